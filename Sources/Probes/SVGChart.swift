import Foundation

/// Hand-written SVG charts for reports (no dependencies): line plots by layer, heat maps, reliability diagrams, and
/// per-group bars.
public enum SVGChart {
    /// One line of a line chart.
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var dashed: Bool
        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name; self.points = points; self.dashed = dashed
        }
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Line chart with y in `yRange`; series with the same `colorKey` share a colour (e.g. AUROC solid, accuracy dashed).
    public static func lines(
        title: String, xLabel: String, yLabel: String, series: [Series],
        yRange: ClosedRange<Double> = 0.4...1.0, colorKeys: [String]? = nil
    ) -> String {
        let w = 760.0, h = 420.0, left = 60.0, right = 190.0, top = 40.0, bottom = 50.0
        let pw = w - left - right, ph = h - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }
        let xmin = xs.min() ?? 0, xmax = max(xs.max() ?? 1, xmin + 1)
        func px(_ x: Double) -> Double { left + (x - xmin) / (xmax - xmin) * pw }
        func py(_ y: Double) -> Double {
            top
                + (1 - (min(max(y, yRange.lowerBound), yRange.upperBound) - yRange.lowerBound)
                    / (yRange.upperBound - yRange.lowerBound))
                * ph
        }
        var out = header(w, h, title)
        // Grid and axes.
        var y = yRange.lowerBound
        while y <= yRange.upperBound + 1e-9 {
            out +=
                "<line x1=\"\(f(left))\" y1=\"\(f(py(y)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(y)))\" stroke=\"#ddd\"/>\n"
            out +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\" font-size=\"11\">\(String(format: "%.1f", y))</text>\n"
            y += 0.1
        }
        let step = max(1, Int(((xmax - xmin) / 15).rounded(.up)))
        var x = Int(xmin)
        while Double(x) <= xmax {
            out +=
                "<text x=\"\(f(px(Double(x))))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\" font-size=\"11\">\(x)</text>\n"
            x += step
        }
        out +=
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333\"/>\n"
        out +=
            "<text x=\"\(f(left + pw / 2))\" y=\"\(f(h - 12))\" text-anchor=\"middle\" font-size=\"13\">\(esc(xLabel))</text>\n"
        out +=
            "<text transform=\"translate(16,\(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">\(esc(yLabel))</text>\n"
        var keys: [String] = []
        for k in colorKeys ?? series.map(\.name) where !keys.contains(k) { keys.append(k) }
        for (i, s) in series.enumerated() {
            let key = colorKeys?[i] ?? s.name
            let color = palette[(keys.firstIndex(of: key) ?? i) % palette.count]
            let pts = s.points.sorted { $0.x < $1.x }.filter { $0.y.isFinite }
            let path = pts.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            out +=
                "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6,4\"" : "")/>\n"
            for p in pts { out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.5\" fill=\"\(color)\"/>\n" }
            let ly = top + 14 + Double(i) * 18
            out +=
                "<line x1=\"\(f(left + pw + 14))\" y1=\"\(f(ly - 4))\" x2=\"\(f(left + pw + 40))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"6,4\"" : "")/>\n"
            out += "<text x=\"\(f(left + pw + 46))\" y=\"\(f(ly))\" font-size=\"12\">\(esc(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Heat map of `values[row][col]` in 0...1 (NaN shown grey), with the value printed in each cell.
    public static func heatmap(
        title: String, rowLabels: [String], colLabels: [String], values: [[Double]],
        rowAxis: String = "trained on", colAxis: String = "tested on"
    ) -> String {
        let cell = 70.0, left = 170.0, top = 130.0
        let w = left + cell * Double(colLabels.count) + 40, h = top + cell * Double(rowLabels.count) + 40
        var out = header(w, h, title)
        for (j, label) in colLabels.enumerated() {
            let x = left + (Double(j) + 0.5) * cell
            out +=
                "<text transform=\"translate(\(f(x)),\(f(top - 8))) rotate(-40)\" font-size=\"12\">\(esc(label))</text>\n"
        }
        out +=
            "<text x=\"\(f(left))\" y=\"48\" font-size=\"12\" fill=\"#555\">columns: \(esc(colAxis)); rows: \(esc(rowAxis))</text>\n"
        for (i, label) in rowLabels.enumerated() {
            let y = top + Double(i) * cell
            out +=
                "<text x=\"\(f(left - 8))\" y=\"\(f(y + cell / 2 + 4))\" text-anchor=\"end\" font-size=\"12\">\(esc(label))</text>\n"
            for j in colLabels.indices {
                let v = values[i][j]
                let fill = v.isFinite ? color(v) : "#bbb"
                out +=
                    "<rect x=\"\(f(left + Double(j) * cell))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(fill)\" stroke=\"#fff\"/>\n"
                let text = v.isFinite ? String(format: "%.3f", v) : "n/a"
                out +=
                    "<text x=\"\(f(left + (Double(j) + 0.5) * cell))\" y=\"\(f(y + cell / 2 + 4))\" text-anchor=\"middle\" font-size=\"12\">\(text)</text>\n"
            }
        }
        return out + "</svg>\n"
    }

    /// Reliability diagram: mean predicted P vs fraction true per bin, bar width by bin, with the diagonal.
    public static func reliability(title: String, bins: [ReliabilityBin]) -> String {
        let w = 460.0, h = 460.0, left = 60.0, top = 40.0, size = 360.0
        func px(_ v: Double) -> Double { left + v * size }
        func py(_ v: Double) -> Double { top + (1 - v) * size }
        var out = header(w, h, title)
        out +=
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(size))\" height=\"\(f(size))\" fill=\"none\" stroke=\"#333\"/>\n"
        out +=
            "<line x1=\"\(f(px(0)))\" y1=\"\(f(py(0)))\" x2=\"\(f(px(1)))\" y2=\"\(f(py(1)))\" stroke=\"#999\" stroke-dasharray=\"4,4\"/>\n"
        for t in stride(from: 0.0, through: 1.0001, by: 0.2) {
            out +=
                "<text x=\"\(f(px(t)))\" y=\"\(f(top + size + 16))\" text-anchor=\"middle\" font-size=\"11\">\(String(format: "%.1f", t))</text>\n"
            out +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\" font-size=\"11\">\(String(format: "%.1f", t))</text>\n"
        }
        for bin in bins where bin.count > 0 {
            let x0 = px(bin.lower), bw = (bin.upper - bin.lower) * size
            out +=
                "<rect x=\"\(f(x0 + 1))\" y=\"\(f(py(bin.fractionTrue)))\" width=\"\(f(bw - 2))\" height=\"\(f(size - (py(bin.fractionTrue) - top)))\" fill=\"#1f77b4\" fill-opacity=\"0.6\"><title>n=\(bin.count)</title></rect>\n"
            out +=
                "<circle cx=\"\(f(px(bin.meanProbability)))\" cy=\"\(f(py(bin.fractionTrue)))\" r=\"3\" fill=\"#d62728\"/>\n"
        }
        out +=
            "<text x=\"\(f(left + size / 2))\" y=\"\(f(h - 20))\" text-anchor=\"middle\" font-size=\"13\">calibrated P(true)</text>\n"
        out +=
            "<text transform=\"translate(16,\(f(top + size / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">fraction true</text>\n"
        return out + "</svg>\n"
    }

    /// One group of `groupBars`: the probe's AUROC within it and the best confidence baseline's.
    public struct GroupBar: Sendable {
        public var name: String
        public var rows: Int
        public var probe: Double
        public var baseline: Double
        public var baselineName: String
        public init(name: String, rows: Int, probe: Double, baseline: Double, baselineName: String) {
            self.name = name; self.rows = rows; self.probe = probe; self.baseline = baseline
            self.baselineName = baselineName
        }
    }

    /// Paired horizontal bars, one pair per group: the probe's AUROC and the best confidence's, from 0 to 1 with
    /// chance (0.5) dashed, so the groups where the probe loses to the model's own confidence stand out.
    public static func groupBars(title: String, groups: [GroupBar]) -> String {
        let w = 860.0, left = 230.0, right = 150.0, top = 64.0, row = 34.0, bar = 12.0
        let pw = w - left - right, h = top + row * Double(groups.count) + 40
        func px(_ v: Double) -> Double { left + min(max(v.isFinite ? v : 0, 0), 1) * pw }
        var out = header(w, h, title)
        out +=
            "<rect x=\"\(f(left))\" y=\"34\" width=\"12\" height=\"10\" fill=\"\(palette[0])\"/><text x=\"\(f(left + 16))\" y=\"43\" font-size=\"11\">probe</text>\n"
            + "<rect x=\"\(f(left + 70))\" y=\"34\" width=\"12\" height=\"10\" fill=\"#999\"/><text x=\"\(f(left + 86))\" y=\"43\" font-size=\"11\">best confidence (named at the bar)</text>\n"
        for t in stride(from: 0.0, through: 1.0001, by: 0.1) {
            out +=
                "<line x1=\"\(f(px(t)))\" y1=\"\(f(top - 4))\" x2=\"\(f(px(t)))\" y2=\"\(f(h - 36))\" stroke=\"#eee\"/>\n"
                + "<text x=\"\(f(px(t)))\" y=\"\(f(h - 22))\" text-anchor=\"middle\" font-size=\"11\">\(String(format: "%.1f", t))</text>\n"
        }
        for (k, g) in groups.enumerated() {
            let y = top + row * Double(k)
            out +=
                "<text x=\"\(f(left - 8))\" y=\"\(f(y + bar + 4))\" text-anchor=\"end\" font-size=\"12\">\(esc(g.name)) (\(g.rows))</text>\n"
            out +=
                "<rect x=\"\(f(left))\" y=\"\(f(y))\" width=\"\(f(px(g.probe) - left))\" height=\"\(f(bar))\" fill=\"\(palette[0])\"><title>probe \(String(format: "%.3f", g.probe))</title></rect>\n"
                + "<text x=\"\(f(px(g.probe) + 4))\" y=\"\(f(y + 10))\" font-size=\"10\">\(String(format: "%.3f", g.probe))</text>\n"
            out +=
                "<rect x=\"\(f(left))\" y=\"\(f(y + bar + 2))\" width=\"\(f(px(g.baseline) - left))\" height=\"\(f(bar))\" fill=\"#999\"><title>\(esc(g.baselineName)) \(String(format: "%.3f", g.baseline))</title></rect>\n"
                + "<text x=\"\(f(px(g.baseline) + 4))\" y=\"\(f(y + bar + 12))\" font-size=\"10\">\(String(format: "%.3f", g.baseline)) \(esc(g.baselineName))</text>\n"
        }
        out +=
            "<line x1=\"\(f(px(0.5)))\" y1=\"\(f(top - 4))\" x2=\"\(f(px(0.5)))\" y2=\"\(f(h - 36))\" stroke=\"#333\" stroke-dasharray=\"4,4\"/>\n"
        out +=
            "<text x=\"\(f(left + pw / 2))\" y=\"\(f(h - 6))\" text-anchor=\"middle\" font-size=\"13\">AUROC within the group</text>\n"
        return out + "</svg>\n"
    }

    static func header(_ w: Double, _ h: Double, _ title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + "<text x=\"\(f(w / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(esc(title))</text>\n"
    }

    /// Red (0) → white (0.5) → blue (1).
    static func color(_ v: Double) -> String {
        let t = min(max(v, 0), 1)
        let r, g, b: Double
        if t < 0.5 {
            let s = t / 0.5; r = 214; g = 39 + (255 - 39) * s; b = 40 + (255 - 40) * s
        } else {
            let s = (t - 0.5) / 0.5; r = 255 - (255 - 31) * s; g = 255 - (255 - 119) * s; b = 255 - (255 - 180) * s
        }
        return String(format: "#%02x%02x%02x", Int(r), Int(g), Int(b))
    }
}

/// One bin of a reliability diagram.
public struct ReliabilityBin: Codable, Sendable, Equatable {
    public var lower: Double, upper: Double
    public var count: Int
    public var meanProbability: Double
    public var fractionTrue: Double

    enum CodingKeys: String, CodingKey {
        case lower, upper, count, meanProbability = "mean_p", fractionTrue = "fraction_true"
    }

    /// `bins` equal-width bins over [0, 1].
    public static func bins(probabilities: [Double], labels: [UInt8], bins: Int = 15) -> [ReliabilityBin] {
        var count = [Int](repeating: 0, count: bins), sp = [Double](repeating: 0, count: bins), sy = sp
        for (i, p) in probabilities.enumerated() {
            let b = min(bins - 1, max(0, Int(p * Double(bins))))
            count[b] += 1; sp[b] += p; sy[b] += Double(labels[i])
        }
        return (0..<bins).map { b in
            ReliabilityBin(
                lower: Double(b) / Double(bins), upper: Double(b + 1) / Double(bins), count: count[b],
                meanProbability: count[b] > 0 ? sp[b] / Double(count[b]) : 0,
                fractionTrue: count[b] > 0 ? sy[b] / Double(count[b]) : 0)
        }
    }
}
