import Foundation

/// Small helpers for writing inline SVG by hand: finite numbers only, nice axis ticks,
/// a colour per arm, and the empty state every chart falls back to.
enum SVG {
    /// A coordinate or length with one decimal; never `nan` or `inf` (those become 0).
    static func n(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.1f", rounded)
    }

    /// Arm colours: distinguishable, readable on light and dark cards, and in this order
    /// also for common colour-vision deficiencies (after Okabe & Ito).
    static let palette = [
        "#2f6fd6", "#e07b00", "#139c6b", "#c9407a", "#7b52c7", "#0f9bb4", "#a8870d", "#6b7280",
    ]

    static func colour(_ arm: Int) -> String { palette[arm % palette.count] }

    /// Round tick values covering `lower...upper`, about `count` of them.
    static func ticks(_ lower: Double, _ upper: Double, count: Int = 5) -> [Double] {
        guard lower.isFinite, upper.isFinite, upper > lower, count > 0 else { return [lower.isFinite ? lower : 0] }
        let step = niceStep((upper - lower) / Double(count))
        var ticks: [Double] = []
        let first = (lower / step - 1e-9).rounded(.up)
        var index = 0.0
        while (first + index) * step <= upper + step * 1e-9 && ticks.count < 50 {
            let value = (first + index) * step
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            index += 1
        }
        return ticks
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let slack = 1 + 1e-9  // 0.05 / 0.01 is 5.000000000000001
        let nice: Double = fraction <= slack ? 1 : fraction <= 2 * slack ? 2 : fraction <= 5 * slack ? 5 : 10
        return nice * magnitude
    }

    /// A nice upper bound for an axis starting at zero.
    static func niceCeiling(_ value: Double) -> Double {
        guard value.isFinite, value > 0 else { return 1 }
        let step = niceStep(value / 4)
        return (value / step).rounded(.up) * step
    }

    /// A rate as a percentage with enough decimals for `step` (the tick spacing, as a fraction).
    static func percent(_ value: Double, step: Double) -> String {
        guard value.isFinite else { return "–" }
        let decimals = step >= 0.01 ? 0 : step >= 0.001 ? 1 : step >= 0.0001 ? 2 : 3
        return String(format: "%.\(decimals)f%%", value * 100)
    }

    /// A count for an axis: 1200 → "1.2k".
    static func count(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1_000_000 { return trimmed(value / 1_000_000) + "M" }
        if magnitude >= 10_000 { return trimmed(value / 1000) + "k" }
        return String(Int(value.rounded()))
    }

    private static func trimmed(_ value: Double) -> String {
        let text = String(format: "%.1f", value)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// The opening tag of a chart: scales to its container, titled for screen readers.
    static func open(width: Double, height: Double, label: String) -> String {
        "<svg viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\"\(HTML.escape(label))\""
            + " xmlns=\"http://www.w3.org/2000/svg\">"
    }

    /// A chart with nothing to show yet: the same box, a sentence in the middle.
    static func empty(width: Double, height full: Double, message: String) -> String {
        let height = min(full, 150)
        return open(width: width, height: height, label: message)
            + "<rect class=\"empty-box\" x=\"1\" y=\"1\" width=\"\(n(width - 2))\" height=\"\(n(height - 2))\" rx=\"6\"/>"
            + "<text class=\"empty-text\" x=\"\(n(width / 2))\" y=\"\(n(height / 2))\" text-anchor=\"middle\""
            + " dominant-baseline=\"middle\">\(HTML.escape(message))</text></svg>"
    }

    static func text(
        _ content: String, x: Double, y: Double, anchor: String = "start", className: String? = nil,
        baseline: String? = nil
    ) -> String {
        var tag = "<text x=\"\(n(x))\" y=\"\(n(y))\""
        if anchor != "start" { tag += " text-anchor=\"\(anchor)\"" }
        if let className { tag += " class=\"\(className)\"" }
        if let baseline { tag += " dominant-baseline=\"\(baseline)\"" }
        return tag + ">" + HTML.escape(content) + "</text>"
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, className: String) -> String {
        "<line class=\"\(className)\" x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\"/>"
    }
}

/// Maps a data interval onto a pixel interval.
struct LinearScale {
    var domain: (lower: Double, upper: Double)
    var range: (lower: Double, upper: Double)

    init(domain: (Double, Double), range: (Double, Double)) {
        let width = domain.1 - domain.0
        // A zero-width or broken domain would divide by zero: widen it.
        self.domain =
            width.isFinite && width > 0
            ? domain : (domain.0.isFinite ? domain.0 : 0, (domain.0.isFinite ? domain.0 : 0) + 1)
        self.range = range
    }

    func callAsFunction(_ value: Double) -> Double {
        let fraction = (value - domain.lower) / (domain.upper - domain.lower)
        let position = range.lower + fraction * (range.upper - range.lower)
        return position.isFinite ? position : range.lower
    }
}
