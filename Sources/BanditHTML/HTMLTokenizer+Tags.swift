extension HTMLTokenizer {
    /// The tag states, from `state` up to the tag's `>`: returns the index after it, or nil at
    /// the end of the chunk with `state` where the tag was cut. Straight-line code for the usual
    /// path through a tag (name, then name="value" pairs), rather than a dispatch per byte.
    @inline(__always)
    mutating func scanTag(_ base: UnsafeRawPointer, _ i: inout Int, _ end: Int) -> Int? {
        @inline(__always) func byte(_ at: Int) -> UInt8 { base.load(fromByteOffset: at, as: UInt8.self) }
        while i < end {
            switch state {
            case .tagName:
                var j = i
                var terminator: UInt8 = 0
                while j < end {
                    terminator = byte(j)
                    if terminator == UInt8(ascii: ">") || terminator == UInt8(ascii: "/")
                        || ASCII.isWhitespace(terminator)
                    {
                        break
                    }
                    j += 1
                }
                i = j
                if j == end { return nil }
                nameEnd = j - tokenOrigin
                i = j + 1
                if terminator == UInt8(ascii: ">") { return i }
                if terminator == UInt8(ascii: "/") {
                    state = .selfClosingStartTag
                    continue
                }
                state = .beforeAttributeName
                fallthrough
            case .beforeAttributeName:
                while i < end && ASCII.isWhitespace(byte(i)) { i += 1 }
                if i == end { return nil }
                let c = byte(i)
                if c == UInt8(ascii: ">") { return i + 1 }
                if c == UInt8(ascii: "/") {
                    state = .selfClosingStartTag
                    i += 1
                    continue
                }
                // Anything else starts a name, even `=` (a parse error that browsers accept).
                startAttribute(at: i)
                i += 1
                state = .attributeName
                fallthrough
            case .attributeName:
                var j = i
                var terminator: UInt8 = 0
                while j < end {
                    terminator = byte(j)
                    if terminator == UInt8(ascii: "=") || terminator == UInt8(ascii: ">")
                        || terminator == UInt8(ascii: "/") || ASCII.isWhitespace(terminator)
                    {
                        break
                    }
                    j += 1
                }
                i = j
                if j == end { return nil }
                attribute.nameEnd = j - tokenOrigin
                attribute.valueStart = attribute.nameEnd
                attribute.valueEnd = attribute.nameEnd
                attribute.end = attribute.nameEnd
                if terminator != UInt8(ascii: "=") {
                    state = .afterAttributeName
                    continue
                }
                i += 1
                state = .beforeAttributeValue
                fallthrough
            case .beforeAttributeValue:
                while i < end && ASCII.isWhitespace(byte(i)) { i += 1 }
                if i == end { return nil }
                let c = byte(i)
                if c == UInt8(ascii: ">") {
                    // `<a href=>`: an empty value.
                    attribute.valueStart = i - tokenOrigin
                    attribute.valueEnd = attribute.valueStart
                    attribute.end = attribute.valueStart
                    commitAttribute()
                    return i + 1
                }
                if c != UInt8(ascii: "\"") && c != UInt8(ascii: "'") {
                    attribute.valueStart = i - tokenOrigin
                    state = .attributeValueUnquoted
                    continue
                }
                attribute.valueStart = i + 1 - tokenOrigin
                state = c == UInt8(ascii: "\"") ? .attributeValueDoubleQuoted : .attributeValueSingleQuoted
                i += 1
                fallthrough
            case .attributeValueDoubleQuoted, .attributeValueSingleQuoted:
                let quote = state == .attributeValueDoubleQuoted ? UInt8(ascii: "\"") : UInt8(ascii: "'")
                let j = ByteSearch.firstIndex(of: quote, in: base, from: i, to: end)
                i = j
                if j == end { return nil }
                attribute.valueEnd = j - tokenOrigin
                attribute.end = attribute.valueEnd + 1
                commitAttribute()
                i = j + 1
                state = .afterAttributeValueQuoted
                fallthrough
            case .afterAttributeValueQuoted:
                if i == end { return nil }
                let c = byte(i)
                if c == UInt8(ascii: ">") { return i + 1 }
                if c == UInt8(ascii: "/") {
                    state = .selfClosingStartTag
                    i += 1
                } else {
                    // Whitespace, or (a parse error) the next attribute right after the quote.
                    state = .beforeAttributeName
                    if ASCII.isWhitespace(c) { i += 1 }
                }
            case .afterAttributeName:
                while i < end && ASCII.isWhitespace(byte(i)) { i += 1 }
                if i == end { return nil }
                let c = byte(i)
                if c == UInt8(ascii: "=") {
                    state = .beforeAttributeValue
                    i += 1
                    continue
                }
                commitAttribute()
                if c == UInt8(ascii: ">") { return i + 1 }
                if c == UInt8(ascii: "/") {
                    state = .selfClosingStartTag
                } else {
                    startAttribute(at: i)
                    state = .attributeName
                }
                i += 1
            case .attributeValueUnquoted:
                var j = i
                var terminator: UInt8 = 0
                while j < end {
                    terminator = byte(j)
                    if terminator == UInt8(ascii: ">") || ASCII.isWhitespace(terminator) { break }
                    j += 1
                }
                i = j
                if j == end { return nil }
                attribute.valueEnd = j - tokenOrigin
                attribute.end = attribute.valueEnd
                commitAttribute()
                i = j + 1
                if terminator == UInt8(ascii: ">") { return i }
                state = .beforeAttributeName
            case .selfClosingStartTag:
                if byte(i) == UInt8(ascii: ">") {
                    isSelfClosing = true
                    return i + 1
                }
                state = .beforeAttributeName
            default:
                preconditionFailure("scanTag outside a tag")
            }
        }
        return nil
    }

    @inline(__always)
    mutating func startAttribute(at index: Int) {
        let offset = index - tokenOrigin
        attribute = AttributeSpan(nameStart: offset, nameEnd: offset, valueStart: offset, valueEnd: offset, end: offset)
    }

    @inline(__always)
    mutating func commitAttribute() {
        guard !isPassingTagThrough && attributeCount < Self.mostAttributes else { return }
        if attributeCount < attributes.count {
            attributes[attributeCount] = attribute
        } else {
            attributes.append(attribute)
        }
        attributeCount += 1
    }
}
