import BLASSupport
import CBLAS
import Foundation
import Inference

extension Benchmark {
    /// The OpenBLAS core (kernel family) in use, after `BLASRuntime`'s check.
    public static var blasCore: String { BLASRuntime.coreName }

    /// OpenBLAS threads in use.
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

    /// Short true/false statements of about 10 tokens, like the Geometry-of-Truth sets (the capture workload).
    public static let sampleStatements: [String] = {
        let cities = [
            ("Paris", "France"), ("Berlin", "Germany"), ("Madrid", "Spain"), ("Rome", "Italy"),
            ("Lisbon", "Portugal"), ("Vienna", "Austria"), ("Oslo", "Norway"), ("Cairo", "Egypt"),
            ("Lima", "Peru"), ("Tokyo", "Japan"), ("Nairobi", "Kenya"), ("Ottawa", "Canada"),
            ("Hanoi", "Vietnam"), ("Dublin", "Ireland"), ("Athens", "Greece"), ("Warsaw", "Poland"),
        ]
        var out: [String] = []
        for (i, (city, country)) in cities.enumerated() {
            let other = cities[(i + 5) % cities.count].1
            out.append("The city of \(city) is in \(country).")
            out.append("The city of \(city) is in \(other).")
            out.append("\(city) is the capital of \(country).")
            out.append("Most people in \(city) speak the language of \(other).")
        }
        return out
    }()

    /// A paragraph of plain English (cycled to the long-prompt length).
    public static let sampleParagraph = """
        Rivers shape the land they cross. Over thousands of years, water carries sand and stones downstream, \
        cutting valleys into rock and building wide plains where the current slows. Towns grew along these \
        banks because the soil was rich, travel by boat was easy, and fresh water was close at hand. Floods \
        were the price of that wealth: the same river that fed the fields could sweep away houses in a single \
        night. Engineers learned to build levees, canals and dams, and each change brought new problems \
        further along the valley, where farmers and fishermen depended on the old rhythm of the seasons.
        """
}
