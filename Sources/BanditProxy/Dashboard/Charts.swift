import BanditCore
import Foundation

/// The four charts of an experiment, as inline SVG. Each copes with no traffic (an empty
/// state, never a NaN coordinate) and with one arm far ahead of the others.
enum Charts {
    /// Chart dimensions in SVG user units; the page scales them to the column width.
    struct Size {
        var width: Double
        var height: Double
        /// Larger type for the detail page, where charts span the page.
        var fontScale: Double = 1

        static let card = Size(width: 520, height: 240)
        static let wide = Size(width: 960, height: 340)
    }

    // MARK: conversion rate with intervals

    /// Each arm's conversion rate as a dot with its Wilson interval as an error bar.
    static func rates(_ report: ExperimentReport, size: Size) -> String {
        let withViews = report.arms.filter { $0.views > 0 }
        guard !withViews.isEmpty else {
            return SVG.empty(width: size.width, height: size.height, message: "No views yet")
        }
        let confidence = "\(Int(((1 - report.significance) * 100).rounded()))%"
        let label = "Conversion rate per arm with \(confidence) intervals"
        let left = 14 + Double(report.arms.map(\.name.count).max() ?? 4).clamped(4, 18) * 7
        let right = 150.0
        let top = 14.0
        let bottom = 30.0
        // Rows share the chart's height (so the charts line up), up to a comfortable spacing.
        let rowHeight = min(90, max(22, (size.height - top - bottom) / Double(report.arms.count)))
        let height = top + bottom + rowHeight * Double(report.arms.count)
        let upper = SVG.niceCeiling(withViews.map { $0.interval.last ?? 1 }.max() ?? 1)
        let x = LinearScale(domain: (0, min(1, upper)), range: (left, size.width - right))
        let ticks = SVG.ticks(0, min(1, upper), count: 4)
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : upper

        var svg = SVG.open(width: size.width, height: height, label: label)
        svg += "<g class=\"grid\">"
        for tick in ticks {
            svg += SVG.line(x1: x(tick), y1: top - 4, x2: x(tick), y2: height - bottom, className: "gridline")
        }
        svg += "</g><g class=\"tick\">"
        for tick in ticks {
            svg += SVG.text(SVG.percent(tick, step: step), x: x(tick), y: height - bottom + 16, anchor: "middle")
        }
        svg += "</g>"
        for (index, arm) in report.arms.enumerated() {
            let y = top + rowHeight * (Double(index) + 0.5)
            let isWinner = arm.name == report.winner
            let shown = arm.name.count > 18 ? String(arm.name.prefix(17)) + "…" : arm.name
            svg += "<g><title>\(HTML.escape(arm.name))</title>"
            svg += SVG.text(
                shown, x: left - 10, y: y, anchor: "end", className: isWinner ? "label winner" : "label",
                baseline: "middle")
            svg += "</g>"
            guard arm.views > 0 else {
                svg += SVG.text("no views", x: x(0) + 6, y: y, className: "muted", baseline: "middle")
                continue
            }
            let lower = arm.interval.first ?? 0
            let high = arm.interval.last ?? 1
            let colour = SVG.colour(index)
            svg += "<g stroke=\"\(colour)\" stroke-width=\"2\">"
            svg += "<line x1=\"\(SVG.n(x(lower)))\" y1=\"\(SVG.n(y))\" x2=\"\(SVG.n(x(high)))\" y2=\"\(SVG.n(y))\"/>"
            for end in [lower, high] {
                svg += "<line x1=\"\(SVG.n(x(end)))\" y1=\"\(SVG.n(y - 6))\" x2=\"\(SVG.n(x(end)))\""
                svg += " y2=\"\(SVG.n(y + 6))\"/>"
            }
            svg += "</g><circle cx=\"\(SVG.n(x(arm.conversionRate)))\" cy=\"\(SVG.n(y))\" r=\"5\" fill=\"\(colour)\">"
            svg += "<title>\(HTML.escape(arm.name)): \(Format.percent(arm.conversionRate)) "
            svg += "(\(Format.percent(lower)) – \(Format.percent(high)))</title></circle>"
            svg += SVG.text(
                "\(Format.percent(arm.conversionRate))  \(Format.percent(lower))–\(Format.percent(high))",
                x: size.width - right + 10, y: y, className: "value", baseline: "middle")
        }
        svg += SVG.line(x1: left, y1: height - bottom, x2: size.width - right, y2: height - bottom, className: "axis")
        return svg + "</svg>"
    }

    // MARK: posterior densities

    /// Beta(1 + conversions, 1 + failures) density of each arm's rate, on one x-range that
    /// zooms to where the probability mass is.
    static func posteriors(_ report: ExperimentReport, size: Size) -> String {
        let arms = report.arms.enumerated().filter { $0.element.views > 0 }
        guard !arms.isEmpty else {
            return SVG.empty(width: size.width, height: size.height, message: "No views yet")
        }
        let betas = arms.map { index, arm in
            (index: index, name: arm.name, beta: BetaDensity(successes: arm.conversions, trials: arm.views))
        }
        var lower = betas.map { max(0, $0.beta.mean - 4.5 * $0.beta.standardDeviation) }.min() ?? 0
        var upper = betas.map { min(1, $0.beta.mean + 4.5 * $0.beta.standardDeviation) }.max() ?? 1
        if upper - lower < 0.002 {
            let middle = (upper + lower) / 2
            lower = max(0, middle - 0.001)
            upper = min(1, lower + 0.002)
        }
        let left = 16.0
        let right = 16.0
        let top = 24.0
        let bottom = 30.0
        let x = LinearScale(domain: (lower, upper), range: (left, size.width - right))

        // A shared grid, plus a dense one around each arm's mean so narrow peaks keep their shape.
        let shared = (0...240).map { lower + (upper - lower) * Double($0) / 240 }
        let curves = betas.map { arm -> (index: Int, name: String, points: [(Double, Double)]) in
            let spread = 5 * arm.beta.standardDeviation
            let from = max(lower, arm.beta.mean - spread)
            let to = min(upper, arm.beta.mean + spread)
            let dense = to > from ? (0...100).map { from + (to - from) * Double($0) / 100 } : []
            let xs = (shared + dense).sorted()
            return (arm.index, arm.name, xs.map { ($0, arm.beta.density($0)) })
        }
        let peak = curves.flatMap { $0.points.map(\.1) }.filter(\.isFinite).max() ?? 1
        let y = LinearScale(domain: (0, peak > 0 ? peak * 1.08 : 1), range: (size.height - bottom, top))
        let ticks = SVG.ticks(lower, upper, count: 6)
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : upper - lower

        var svg = SVG.open(width: size.width, height: size.height, label: "Posterior density of each arm's rate")
        svg += "<g class=\"grid\">"
        for tick in ticks {
            svg += SVG.line(x1: x(tick), y1: top, x2: x(tick), y2: size.height - bottom, className: "gridline")
        }
        svg += "</g><g class=\"tick\">"
        for tick in ticks {
            svg += SVG.text(SVG.percent(tick, step: step), x: x(tick), y: size.height - bottom + 16, anchor: "middle")
        }
        svg += "</g>"
        for curve in curves {
            let colour = SVG.colour(curve.index)
            var path = "M\(SVG.n(x(curve.points.first?.0 ?? lower))) \(SVG.n(y(0)))"
            for (value, density) in curve.points {
                path += "L\(SVG.n(x(value))) \(SVG.n(y(density.isFinite ? density : 0)))"
            }
            path += "L\(SVG.n(x(curve.points.last?.0 ?? upper))) \(SVG.n(y(0)))Z"
            svg += "<path d=\"\(path)\" fill=\"\(colour)\" fill-opacity=\"0.18\" stroke=\"\(colour)\""
            svg += " stroke-width=\"2\" stroke-linejoin=\"round\"><title>\(HTML.escape(curve.name))</title></path>"
        }
        svg += SVG.line(
            x1: left, y1: size.height - bottom, x2: size.width - right, y2: size.height - bottom, className: "axis")
        svg += legend(curves.map { ($0.index, $0.name) }, x: left, y: 12, width: size.width - left - right)
        return svg + "</svg>"
    }

    // MARK: traffic share over time

    /// Each arm's share of the views, per hour (or per bucket of hours), stacked to 100%.
    static func trafficShare(_ series: HourlySeries, size: Size) -> String {
        guard series.totalViews > 0 else {
            return SVG.empty(width: size.width, height: size.height, message: emptySeriesMessage)
        }
        let frame = TimeFrame(series, size: size)
        let y = LinearScale(domain: (0, 1), range: (frame.bottom, frame.top))
        var svg = SVG.open(width: size.width, height: size.height, label: "Share of views per arm over time")
        svg += frame.axes(series)
        svg += "<g class=\"grid\">"
        for tick in [0.25, 0.5, 0.75, 1] {
            svg += SVG.line(x1: frame.left, y1: y(tick), x2: frame.right, y2: y(tick), className: "gridline")
        }
        svg += "</g><g class=\"tick\">"
        for tick in [0, 0.5, 1.0] {
            svg += SVG.text(
                "\(Int(tick * 100))%", x: frame.left - 6, y: y(tick), anchor: "end", baseline: "middle")
        }
        svg += "</g>"
        var paths = Array(repeating: "", count: series.arms.count)
        for (bucket, row) in series.buckets.enumerated() {
            let total = row.reduce(0) { $0 + $1.views }
            guard total > 0 else { continue }  // no traffic that hour: a gap
            let x0 = frame.x(Double(series.startHour(ofBucket: bucket)))
            let x1 = frame.x(Double(series.startHour(ofBucket: bucket + 1)))
            var below = 0.0
            for (arm, counts) in row.enumerated() where counts.views > 0 {
                let share = Double(counts.views) / Double(total)
                let (bottom, top) = (y(below), y(below + share))
                paths[arm] += "M\(SVG.n(x0)) \(SVG.n(bottom))V\(SVG.n(top))H\(SVG.n(x1))V\(SVG.n(bottom))Z"
                below += share
            }
        }
        for (arm, path) in paths.enumerated() where !path.isEmpty {
            svg += "<path d=\"\(path)\" fill=\"\(SVG.colour(arm))\" fill-opacity=\"0.85\">"
            svg += "<title>\(HTML.escape(series.arms[arm]))</title></path>"
        }
        svg += legend(series.arms.enumerated().map { ($0, $1) }, x: frame.left, y: 12, width: frame.right - frame.left)
        return svg + "</svg>"
    }

    // MARK: cumulative views and conversions

    /// Running totals per arm: views in the upper panel, conversions in the lower, one time axis.
    static func cumulative(_ series: HourlySeries, size: Size) -> String {
        guard series.totalViews > 0 else {
            return SVG.empty(width: size.width, height: size.height, message: emptySeriesMessage)
        }
        let frame = TimeFrame(series, size: size)
        let gap = 22.0
        let panelHeight = (frame.bottom - frame.top - gap) / 2
        var svg = SVG.open(width: size.width, height: size.height, label: "Cumulative views and conversions per arm")
        svg += frame.axes(series)
        let panels: [(title: String, totals: [[Int]], top: Double)] = [
            ("views", series.cumulative(\.views), frame.top),
            ("conversions", series.cumulative(\.conversions), frame.top + panelHeight + gap),
        ]
        for panel in panels {
            let bottom = panel.top + panelHeight
            let peak = Double(panel.totals.last?.max() ?? 0)
            let ceiling = SVG.niceCeiling(max(peak, 1))
            let y = LinearScale(domain: (0, ceiling), range: (bottom, panel.top))
            svg += "<g class=\"grid\">"
            for tick in SVG.ticks(0, ceiling, count: 2) where tick > 0 {
                svg += SVG.line(x1: frame.left, y1: y(tick), x2: frame.right, y2: y(tick), className: "gridline")
            }
            svg += "</g><g class=\"tick\">"
            for tick in SVG.ticks(0, ceiling, count: 2) {
                svg += SVG.text(SVG.count(tick), x: frame.left - 6, y: y(tick), anchor: "end", baseline: "middle")
            }
            svg += "</g>"
            svg += SVG.line(x1: frame.left, y1: bottom, x2: frame.right, y2: bottom, className: "axis")
            svg += SVG.text(panel.title, x: frame.left + 6, y: panel.top + 4, className: "panel", baseline: "hanging")
            for arm in series.arms.indices {
                var points = "\(SVG.n(frame.x(Double(series.firstHour)))),\(SVG.n(y(0)))"
                for (bucket, totals) in panel.totals.enumerated() {
                    let x = frame.x(Double(series.startHour(ofBucket: bucket + 1)))
                    points += " \(SVG.n(x)),\(SVG.n(y(Double(totals[arm]))))"
                }
                svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(SVG.colour(arm))\" stroke-width=\"2\""
                svg += " stroke-linejoin=\"round\"><title>\(HTML.escape(series.arms[arm])): "
                svg += "\(panel.totals.last?[arm] ?? 0) \(panel.title)</title></polyline>"
            }
        }
        return svg + "</svg>"
    }

    static let emptySeriesMessage = "No hourly data yet"

    // MARK: shared pieces

    /// A row of colour keys, wrapping nothing: names are shortened when there are many arms.
    private static func legend(_ arms: [(Int, String)], x: Double, y: Double, width: Double) -> String {
        guard !arms.isEmpty else { return "" }
        let slot = width / Double(arms.count)
        let maxCharacters = max(3, Int(slot / 7) - 3)
        var svg = "<g class=\"legend\">"
        for (position, (index, name)) in arms.enumerated() {
            let left = x + slot * Double(position)
            let shown = name.count > maxCharacters ? String(name.prefix(maxCharacters - 1)) + "…" : name
            svg += "<rect x=\"\(SVG.n(left))\" y=\"\(SVG.n(y - 8))\" width=\"10\" height=\"10\" rx=\"2\""
            svg += " fill=\"\(SVG.colour(index))\"/>"
            svg += SVG.text(shown, x: left + 14, y: y + 1)
        }
        return svg + "</g>"
    }
}

/// The plot area and time axis shared by the charts over time.
struct TimeFrame {
    let left: Double
    let right: Double
    let top: Double
    let bottom: Double
    let x: LinearScale

    init(_ series: HourlySeries, size: Charts.Size) {
        left = 44
        right = size.width - 14
        top = 26
        bottom = size.height - 30
        x = LinearScale(domain: (Double(series.firstHour), Double(series.endHour)), range: (left, right))
    }

    /// The baseline with time ticks in UTC: clock times for a day or two, dates beyond.
    func axes(_ series: HourlySeries) -> String {
        let span = series.endHour - series.firstHour
        let step = [1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720, 1440, 2880, 8760].first { span / $0 <= 6 } ?? 8760
        var svg = SVG.line(x1: left, y1: bottom, x2: right, y2: bottom, className: "axis") + "<g class=\"tick\">"
        var hour = (series.firstHour + step - 1) / step * step
        var lastX = -Double.infinity
        while hour <= series.endHour {
            let position = x(Double(hour))
            if position - lastX >= 40 {
                let label = step < 24 && hour % 24 != 0 ? HourFormat.clock(hour) : HourFormat.day(hour)
                svg += SVG.line(x1: position, y1: bottom, x2: position, y2: bottom + 4, className: "axis")
                svg += SVG.text(label, x: position, y: bottom + 16, anchor: "middle")
                lastX = position
            }
            hour += step
        }
        svg += "</g>"
        svg += SVG.text("UTC", x: right, y: bottom + 28, anchor: "end", className: "muted")
        return svg
    }
}

/// The Beta(1 + successes, 1 + failures) posterior of a rate under a uniform prior.
struct BetaDensity {
    let alpha: Double
    let beta: Double
    private let logNormaliser: Double

    init(successes: Int, trials: Int) {
        let successes = min(max(0, successes), max(0, trials))
        alpha = 1 + Double(successes)
        beta = 1 + Double(max(0, trials - successes))
        logNormaliser = BetaDensity.logGamma(alpha + beta) - BetaDensity.logGamma(alpha) - BetaDensity.logGamma(beta)
    }

    var mean: Double { alpha / (alpha + beta) }

    var standardDeviation: Double {
        let total = alpha + beta
        return (alpha * beta / (total * total * (total + 1))).squareRoot()
    }

    func density(_ x: Double) -> Double {
        // At 0 and 1 the log terms would be −∞·0 for a flat side: evaluate just inside.
        let clamped = min(max(x, 1e-12), 1 - 1e-12)
        let value = exp(logNormaliser + (alpha - 1) * log(clamped) + (beta - 1) * log(1 - clamped))
        return value.isFinite ? value : 0
    }

    /// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9): about 15 significant digits.
    static func logGamma(_ x: Double) -> Double {
        if x < 0.5 { return log(Double.pi / sin(Double.pi * x)) - logGamma(1 - x) }
        let coefficients = [
            0.999_999_999_999_809_93, 676.520_368_121_885_1, -1259.139_216_722_402_8, 771.323_428_777_653_13,
            -176.615_029_162_140_59, 12.507_343_278_686_905, -0.138_571_095_265_720_12,
            9.984_369_578_019_571_6e-6, 1.505_632_735_149_311_6e-7,
        ]
        let z = x - 1
        var sum = coefficients[0]
        for index in 1..<coefficients.count { sum += coefficients[index] / (z + Double(index)) }
        let t = z + 7.5
        return 0.5 * log(2 * Double.pi) + (z + 0.5) * log(t) - t + log(sum)
    }
}

extension Comparable {
    fileprivate func clamped(_ lower: Self, _ upper: Self) -> Self { min(max(self, lower), upper) }
}
