extension ExperimentConfigReader {
    /// The most segments an experiment may have: each adds up to 22 rows to the results and
    /// as many comparisons to the correction that keeps a segment's leader honest.
    static let maxSegments = 8

    /// `segments`: names such as "device" or "query:utm_source", each once.
    func readSegments(_ members: [String: JSONValue], at path: String) -> [Segment] {
        guard let names = reader.strings(members, "segments", at: path) else { return [] }
        var segments: [Segment] = []
        for (index, name) in names.enumerated() {
            let keyPath = "\(path).segments[\(index)]"
            guard let segment = Segment(name) else {
                reader.fail(
                    keyPath,
                    "\"\(name)\" is not a segment; expected \"device\", \"visitor\", \"referrer\", "
                        + "\"query:NAME\" or \"header:NAME\" (a header name of letters, digits, - and _)")
                continue
            }
            if segments.contains(segment) {
                reader.fail(keyPath, "\"\(name)\" is listed twice")
                continue
            }
            segments.append(segment)
        }
        if segments.count > Self.maxSegments {
            reader.fail("\(path).segments", "has \(segments.count) segments; at most \(Self.maxSegments) are allowed")
        }
        return segments
    }
}
