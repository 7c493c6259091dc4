/// Writing a start tag with some attributes set: every byte of the tag is kept except an
/// existing attribute's `=value` part, replaced by `="new"`; a new attribute goes after the last
/// one (after an unquoted value's trailing `/` too, which belongs to the value).
enum AttributeRewriting {
    static func write(
        _ tag: TagView, setting edits: [Int], of actions: [PreparedAction], into out: inout [UInt8]
    ) {
        // The last value set for each name wins; names keep the order they were first set in.
        var names: [[UInt8]] = []
        var values: [[UInt8]] = []
        for edit in edits {
            let action = actions[edit]
            if let index = names.firstIndex(of: action.attributeName) {
                values[index] = action.bytes
            } else {
                names.append(action.attributeName)
                values.append(action.bytes)
            }
        }
        // Replacements of existing values, by position; the rest are additions.
        var replacements: [(start: Int, end: Int, value: [UInt8])] = []
        var additions: [Int] = []
        for index in names.indices {
            let found = names[index].withUnsafeBytes { tag.attribute(named: $0) }
            if let found {
                replacements.append((found.nameEnd, found.end, values[index]))
            } else {
                additions.append(index)
            }
        }
        replacements.sort { $0.start < $1.start }
        let insertionPoint = tag.attributes.last?.end ?? tag.nameEnd
        var position = 0
        for replacement in replacements {
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: tag.bytes[position..<replacement.start]))
            appendValue(replacement.value, into: &out)
            position = replacement.end
        }
        // Existing attributes all end at or before the insertion point.
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: tag.bytes[position..<max(position, insertionPoint)]))
        for index in additions {
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: names[index])
            appendValue(values[index], into: &out)
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: tag.bytes[max(position, insertionPoint)...]))
    }

    private static func appendValue(_ escaped: [UInt8], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "="))
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: escaped)
        out.append(UInt8(ascii: "\""))
    }
}
