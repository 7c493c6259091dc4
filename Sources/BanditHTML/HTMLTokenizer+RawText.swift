extension HTMLTokenizer {
    /// The text of `script`, `style`, `textarea`, `title` and the other raw-text elements, from
    /// `state` to the element's end tag (left in a tag state), an event, or the end of the chunk.
    /// The text passes through; only a `<` that may begin the end tag is held.
    @inline(__always)
    mutating func scanRawText(_ chunk: UnsafeRawBufferPointer, _ base: UnsafeRawPointer, _ i: inout Int, _ end: Int)
        -> TokenizerEvent?
    {
        @inline(__always) func byte(_ at: Int) -> UInt8 { base.load(fromByteOffset: at, as: UInt8.self) }
        while i < end {
            let c = byte(i)
            switch state {
            case .rawText, .scriptData:
                i = ByteSearch.firstIndex(of: UInt8(ascii: "<"), in: base, from: i, to: end)
                if i < end {
                    beginToken(at: i)
                    state = state == .rawText ? .rawTextLessThan : .scriptDataLessThan
                    i += 1
                }
            case .rawTextLessThan:
                if c == UInt8(ascii: "/") {
                    state = .rawTextEndTagOpen
                    returnState = .rawText
                    i += 1
                } else {
                    state = .rawText
                    if let event = release(isText: false) { return event }
                }
            case .rawTextEndTagOpen:
                if ASCII.isLetter(c) {
                    state = .rawTextEndTagName
                    progress = 0
                } else {
                    state = returnState
                    if let event = release(isText: false) { return event }
                }
            case .rawTextEndTagName:
                if ASCII.isLetter(c), progress < rawTextEndTagName.count,
                    ASCII.lowercased(c) == rawTextEndTagName[progress]
                {
                    progress += 1
                    i += 1
                } else if progress == rawTextEndTagName.count
                    && (c == UInt8(ascii: ">") || c == UInt8(ascii: "/") || ASCII.isWhitespace(c))
                {
                    // The element's end tag: from here on an ordinary tag.
                    isEndTag = true
                    nameEnd = i - tokenOrigin
                    if c == UInt8(ascii: ">") {
                        i += 1
                        return completeTag(chunk, end: i)
                    }
                    state = c == UInt8(ascii: "/") ? .selfClosingStartTag : .beforeAttributeName
                    i += 1
                } else {
                    state = returnState
                    if let event = release(isText: false) { return event }
                }
            case .scriptDataLessThan:
                if c == UInt8(ascii: "/") {
                    state = .rawTextEndTagOpen
                    returnState = .scriptData
                    i += 1
                } else {
                    if c == UInt8(ascii: "!") {
                        state = .scriptDataEscapeStart
                        i += 1
                    } else {
                        state = .scriptData
                    }
                    if let event = release(isText: false) { return event }
                }
            case .scriptDataEscapeStart:
                if c == UInt8(ascii: "-") {
                    state = .scriptDataEscapeStartDash
                    i += 1
                } else {
                    state = .scriptData
                }
            case .scriptDataEscapeStartDash:
                if c == UInt8(ascii: "-") {
                    state = .scriptDataEscapedDashDash
                    i += 1
                } else {
                    state = .scriptData
                }
            case .scriptDataEscaped, .scriptDataEscapedDash, .scriptDataEscapedDashDash:
                if c == UInt8(ascii: "-") {
                    state = state == .scriptDataEscaped ? .scriptDataEscapedDash : .scriptDataEscapedDashDash
                } else if c == UInt8(ascii: "<") {
                    beginToken(at: i)
                    state = .scriptDataEscapedLessThan
                } else if c == UInt8(ascii: ">") && state == .scriptDataEscapedDashDash {
                    state = .scriptData
                } else {
                    state = .scriptDataEscaped
                }
                i += 1
            case .scriptDataEscapedLessThan:
                if c == UInt8(ascii: "/") {
                    state = .rawTextEndTagOpen
                    returnState = .scriptDataEscaped
                    i += 1
                } else {
                    if ASCII.isLetter(c) {
                        state = .scriptDataDoubleEscapeStart
                        progress = 0
                        mismatched = false
                    } else {
                        state = .scriptDataEscaped
                    }
                    if let event = release(isText: false) { return event }
                }
            case .scriptDataDoubleEscapeStart, .scriptDataDoubleEscapeEnd:
                // `<script` inside an escaped script hides the next `</script>`; `</script` ends that.
                let starting = state == .scriptDataDoubleEscapeStart
                if c == UInt8(ascii: ">") || c == UInt8(ascii: "/") || ASCII.isWhitespace(c) {
                    let named = !mismatched && progress == Self.script.count
                    state =
                        starting == named ? .scriptDataDoubleEscaped : .scriptDataEscaped
                    i += 1
                } else if ASCII.isLetter(c) {
                    if progress >= Self.script.count || ASCII.lowercased(c) != Self.script[progress] {
                        mismatched = true
                    }
                    progress += 1
                    i += 1
                } else {
                    state = starting ? .scriptDataEscaped : .scriptDataDoubleEscaped
                }
            case .scriptDataDoubleEscaped, .scriptDataDoubleEscapedDash, .scriptDataDoubleEscapedDashDash:
                if c == UInt8(ascii: "-") {
                    state =
                        state == .scriptDataDoubleEscaped
                        ? .scriptDataDoubleEscapedDash : .scriptDataDoubleEscapedDashDash
                } else if c == UInt8(ascii: "<") {
                    state = .scriptDataDoubleEscapedLessThan
                } else if c == UInt8(ascii: ">") && state == .scriptDataDoubleEscapedDashDash {
                    state = .scriptData
                } else {
                    state = .scriptDataDoubleEscaped
                }
                i += 1
            case .scriptDataDoubleEscapedLessThan:
                if c == UInt8(ascii: "/") {
                    state = .scriptDataDoubleEscapeEnd
                    progress = 0
                    mismatched = false
                    i += 1
                } else {
                    state = .scriptDataDoubleEscaped
                }
            default:
                // The end tag was found and continues as an ordinary tag.
                return nil
            }
        }
        return nil
    }

    private static let script: [UInt8] = Array("script".utf8)
}
