/// A tag as the tree builder and the selectors see it, over bytes it does not own (the chunk,
/// the tokenizer's held bytes, or a virtual element's).
struct TagView {
    /// The whole tag from its `<`, as the attribute spans' offsets count.
    let bytes: UnsafeRawBufferPointer
    let tag: Tag
    /// The name as written (any case).
    let name: UnsafeRawBufferPointer
    /// Where the name ends in `bytes`.
    let nameEnd: Int
    let attributes: UnsafeBufferPointer<AttributeSpan>

    /// The first attribute named `name` (lowercase), as browsers ignore later duplicates.
    func attribute(named name: UnsafeRawBufferPointer) -> AttributeSpan? {
        for attribute in attributes where attribute.nameEnd - attribute.nameStart == name.count {
            var equal = true
            for index in 0..<name.count where ASCII.lowercased(bytes[attribute.nameStart + index]) != name[index] {
                equal = false
                break
            }
            if equal { return attribute }
        }
        return nil
    }

    func hasAttribute(_ name: StaticString) -> Bool {
        name.withUTF8Buffer { attribute(named: UnsafeRawBufferPointer($0)) != nil }
    }

    func value(of attribute: AttributeSpan) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[attribute.valueStart..<attribute.valueEnd])
    }
}
