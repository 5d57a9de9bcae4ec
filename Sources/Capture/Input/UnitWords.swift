import Foundation

/// Unit names to one symbol each, so that "400 centimetres", "400 centimeters" and "400cm" all read `400 cm`.
/// Applied to every word of both the answer and the accepted answers, so a unit word outside a quantity
/// ("inch by inch") changes nothing that matching can see.
enum UnitWords {
    static let symbol: [String: String] = {
        let groups: [(String, [String])] = [
            ("km", ["km", "kms", "kilometre", "kilometres", "kilometer", "kilometers"]),
            ("m", ["m", "metre", "metres", "meter", "meters"]),
            ("cm", ["cm", "cms", "centimetre", "centimetres", "centimeter", "centimeters"]),
            ("mm", ["mm", "millimetre", "millimetres", "millimeter", "millimeters"]),
            ("kg", ["kg", "kgs", "kilogram", "kilograms", "kilogramme", "kilogrammes", "kilo", "kilos"]),
            ("g", ["g", "gram", "grams", "gramme", "grammes"]),
            ("mg", ["mg", "milligram", "milligrams"]),
            ("t", ["t", "tonne", "tonnes", "metric ton"]),
            ("l", ["l", "litre", "litres", "liter", "liters"]),
            ("ml", ["ml", "millilitre", "millilitres", "milliliter", "milliliters"]),
            ("h", ["h", "hr", "hrs", "hour", "hours"]),
            ("min", ["min", "mins", "minute", "minutes"]),
            ("s", ["s", "sec", "secs", "second", "seconds"]),
            ("day", ["day", "days"]), ("week", ["week", "weeks", "wk", "wks"]),
            ("month", ["month", "months", "mo"]), ("year", ["year", "years", "yr", "yrs"]),
            ("decade", ["decade", "decades"]), ("century", ["century", "centuries"]),
            ("in", ["in", "inch", "inches"]), ("ft", ["ft", "foot", "feet"]), ("yd", ["yd", "yds", "yard", "yards"]),
            ("mi", ["mi", "mile", "miles"]), ("lb", ["lb", "lbs", "pound", "pounds"]),
            ("oz", ["oz", "ounce", "ounces"]),
            ("egg", ["egg", "eggs"]),
        ]
        var table: [String: String] = [:]
        for (canonical, names) in groups { for name in names where !name.contains(" ") { table[name] = canonical } }
        return table
    }()
}
