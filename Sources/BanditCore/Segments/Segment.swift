import Foundation

/// A way to split an experiment's results: the visitor's device, whether the session was
/// new, where it came from, or the value of a query parameter or request header, as it was
/// at the session's view (`experiments[].segments`).
public enum Segment: Sendable, Equatable, Hashable {
    /// mobile, tablet, desktop or bot, from `User-Agent` (`DeviceClass`).
    case device
    /// new (the view came with the session's first request) or returning.
    case visitor
    /// search, social, internal, direct or other, from `Referer` (`ReferrerClass`).
    case referrer
    /// The value of a query parameter at the view, e.g. `query:utm_source`.
    case query(String)
    /// The value of a request header at the view, e.g. `header:CF-IPCountry`.
    case header(String)

    /// Parses one element of `segments`; nil for one it does not know.
    public init?(_ text: String) {
        switch text {
        case "device": self = .device
        case "visitor": self = .visitor
        case "referrer": self = .referrer
        default:
            if text.hasPrefix("query:"), text.count > 6 {
                self = .query(String(text.dropFirst(6)))
            } else if text.hasPrefix("header:"), text.count > 7,
                text.dropFirst(7).allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) })
            {
                self = .header(String(text.dropFirst(7)))
            } else {
                return nil
            }
        }
    }

    /// As written in the configuration and shown in the API.
    public var name: String {
        switch self {
        case .device: "device"
        case .visitor: "visitor"
        case .referrer: "referrer"
        case .query(let parameter): "query:\(parameter)"
        case .header(let header): "header:\(header)"
        }
    }

    /// The values this segment can take, where they are known in advance.
    public var fixedValues: [String]? {
        switch self {
        case .device: DeviceClass.allCases.map(\.rawValue)
        case .visitor: ["new", "returning"]
        case .referrer: ReferrerClass.allCases.map(\.rawValue)
        case .query, .header: nil
        }
    }

    /// The most values of a free-form segment (a query parameter, a header) shown apart;
    /// the rest are added up as `other`.
    public static let shownValues = 20
    /// The most values of a free-form segment counted apart, per process: the 20 shown are the
    /// most frequent among them. Later values count as `other`, so memory and storage stay
    /// bounded whatever visitors send.
    public static let trackedValues = 50
    /// The longest value kept, in bytes; longer ones are cut.
    public static let maxValueBytes = 40
    /// What a value the segment could not be read for is called (no such parameter or header,
    /// or a conversion of a view counted before the segment was configured).
    public static let noValue = "(none)"
    /// Values beyond `trackedValues`, and those beyond the 20 shown.
    public static let other = "other"

    /// How many rows the segment can show: the number of comparisons it adds to the
    /// correction for multiple comparisons (`SegmentReport`). Fixed in advance, whatever
    /// the traffic, so the correction is valid however often the results are looked at.
    public var rowsShown: Int { fixedValues?.count ?? Self.shownValues + 2 }
}

/// A view's value in each segment, from what the engine reads of its request: asked only
/// when a view of an experiment with segments is counted, so other requests never pay for it.
public enum SegmentValues {
    /// The values of `segments`, in order, each cut to `Segment.maxValueBytes`. `header` reads a
    /// request header's first value by lowercase name, `query` a query parameter (undecoded).
    public static func of(
        _ segments: [Segment], header: (String) -> String?, query: (String) -> Substring?, isNewSession: Bool
    ) -> [String] {
        segments.map { segment in
            switch segment {
            case .device: DeviceClass(userAgent: header("user-agent")).rawValue
            case .visitor: isNewSession ? "new" : "returning"
            case .referrer: ReferrerClass(referer: header("referer"), host: header("host")).rawValue
            case .query(let name): cut(query(name).map { String($0).removingPercentEncodingLeniently })
            case .header(let name): cut(header(name.lowercased()))
            }
        }
    }

    static func cut(_ value: String?) -> String {
        guard let value else { return Segment.noValue }
        let trimmed = value.trimmingSpaces
        guard !trimmed.isEmpty else { return Segment.noValue }
        // Cut at a character boundary at or below the limit.
        var bytes = 0
        return String(
            trimmed.prefix { character in
                bytes += character.utf8.count
                return bytes <= Segment.maxValueBytes
            })
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var view = self[...]
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return String(view)
    }

    /// Percent-decoded where that gives valid UTF-8 (`+` is a space in a form's query), else as is.
    fileprivate var removingPercentEncodingLeniently: String {
        let spaced = replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
