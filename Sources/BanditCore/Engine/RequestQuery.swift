/// The query string of a request target, edited without re-encoding what it leaves alone.
struct RequestQuery {
    private var items: [Substring]
    /// Whether the query differs from what the client sent.
    private(set) var changed = false

    /// Split at "&" bytes, as the upstream will: splitting by Character would miss an "&"
    /// that a combining mark after it fused into another Character.
    init(_ query: Substring?) {
        guard let query else {
            items = []
            return
        }
        items = query.utf8.split(separator: UInt8(ascii: "&")).map { query[$0.startIndex..<$0.endIndex] }
    }

    /// Removes every item whose name satisfies `predicate`; returns the removed (name, value) pairs.
    mutating func removeAll(where predicate: (Substring) -> Bool) -> [(name: Substring, value: Substring)] {
        var removed: [(Substring, Substring)] = []
        items.removeAll { item in
            let equals = item.utf8.firstIndex(of: UInt8(ascii: "="))
            let name = equals.map { item[..<$0] } ?? item
            guard predicate(name) else { return false }
            removed.append((name, equals.map { item[item.utf8.index(after: $0)...] } ?? ""))
            return true
        }
        if !removed.isEmpty { changed = true }
        return removed
    }

    /// The value of the first item called `name` ("" when it has no "="), if any.
    func value(named name: String) -> Substring? {
        for item in items {
            let equals = item.utf8.firstIndex(of: UInt8(ascii: "="))
            let itemName = equals.map { item[..<$0] } ?? item
            if itemName.utf8.elementsEqual(name.utf8) {
                return equals.map { item[item.utf8.index(after: $0)...] } ?? ""
            }
        }
        return nil
    }

    /// Names and values are tokens (validated in the config), so nothing needs escaping.
    mutating func append(name: String, value: String) {
        items.append(Substring(name + "=" + value))
        changed = true
    }

    /// `?a=b&c=d`, or "" when empty.
    var suffix: String {
        items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }
}
