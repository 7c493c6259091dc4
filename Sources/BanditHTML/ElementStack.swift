/// Which markup language an element belongs to; SVG and MathML elements follow other rules.
enum Namespace: UInt8 {
    case html, svg, math
}

/// An element whose end has not been seen.
struct OpenElement: Equatable {
    var tag: Tag
    var namespace: Namespace
    /// For `.other` tags, the lowercase name (at most `ElementStack.longestKeptName` bytes of
    /// it) in the stack's name store, and its full length.
    var otherName: Range<Int>
    var nameLength: Int
    /// It has pending edit effects (end markup, or the end of a removal) to apply when it ends.
    var hasEffects: Bool
}

/// The WHATWG "kinds of scope": how far down the stack a search for an element may look.
enum Scope {
    case normal, listItem, button, table
}

/// The stack of open elements, with what the tree-building rules ask of it.
struct ElementStack {
    private(set) var elements: [OpenElement] = []
    /// Names of `.other` elements, back to back, in stack order.
    private var otherNames: [UInt8] = []
    /// How many HTML elements of each tag are open, to skip searches that cannot succeed.
    private var openCounts = [Int32](repeating: 0, count: 256)
    private let flags: [TagFlags]
    static let longestKeptName = 256

    init(tags: TagTable) {
        flags = tags.flags
    }

    var count: Int { elements.count }
    /// The names of the open `.other` elements, back to back (for `RewriteState`).
    var otherNameBytes: [UInt8] { otherNames }
    var retainedByteCount: Int { elements.capacity * MemoryLayout<OpenElement>.stride + otherNames.capacity }
    var top: OpenElement? { elements.last }
    subscript(index: Int) -> OpenElement { elements[index] }

    mutating func push(_ tag: Tag, _ namespace: Namespace, name: UnsafeRawBufferPointer, hasEffects: Bool) {
        var otherName = otherNames.count..<otherNames.count
        var nameLength = 0
        if tag == .other {
            // A name is kept up to a length no real one reaches, so a page of huge names stays small.
            for byte in name.prefix(Self.longestKeptName) { otherNames.append(ASCII.lowercased(byte)) }
            otherName = otherName.lowerBound..<otherNames.count
            nameLength = name.count
        }
        if namespace == .html { openCounts[Int(tag.rawValue)] += 1 }
        elements.append(
            OpenElement(
                tag: tag, namespace: namespace, otherName: otherName, nameLength: nameLength, hasEffects: hasEffects))
    }

    mutating func pop() -> OpenElement {
        let element = elements.removeLast()
        if element.tag == .other { otherNames.removeSubrange(element.otherName) }
        if element.namespace == .html { openCounts[Int(element.tag.rawValue)] -= 1 }
        return element
    }

    /// Some HTML element with this tag is open (anywhere in the stack).
    func isOpen(_ tag: Tag) -> Bool { openCounts[Int(tag.rawValue)] > 0 }

    func isHTML(_ element: OpenElement, _ tag: Tag) -> Bool { element.namespace == .html && element.tag == tag }

    /// The top element is an HTML element with this tag.
    func topIs(_ tag: Tag) -> Bool { elements.last.map { isHTML($0, tag) } ?? false }

    /// The flags of an HTML element with this tag.
    func flags(of tag: Tag) -> TagFlags { flags[Int(tag.rawValue)] }

    func flags(of element: OpenElement) -> TagFlags {
        element.namespace == .html ? flags[Int(element.tag.rawValue)] : []
    }

    /// The element has the tag and lowercase `name` (for `.other`) of a token, in any namespace.
    func element(_ element: OpenElement, isNamed tag: Tag, _ name: UnsafeRawBufferPointer) -> Bool {
        guard element.tag == tag else { return false }
        guard tag == .other else { return true }
        guard name.count == element.nameLength else { return false }
        return otherNames.withUnsafeBytes {
            ByteCompare.equalsLowercased(
                UnsafeRawBufferPointer(rebasing: name.prefix(Self.longestKeptName)),
                UnsafeRawBufferPointer(rebasing: $0[element.otherName]))
        }
    }

    /// SVG `foreignObject`, `desc`, `title`: HTML inside them is parsed as HTML.
    func isHTMLIntegrationPoint(_ element: OpenElement) -> Bool {
        element.namespace == .svg && (element.tag == .foreignObject || element.tag == .desc || element.tag == .title)
    }

    /// MathML `mi`, `mo`, `mn`, `ms`, `mtext`: start tags inside them are HTML.
    func isMathMLTextIntegrationPoint(_ element: OpenElement) -> Bool {
        element.namespace == .math
            && (element.tag == .mi || element.tag == .mo || element.tag == .mn || element.tag == .ms
                || element.tag == .mtext)
    }

    /// The spec's "special" category, which stops several searches down the stack.
    func isSpecial(_ element: OpenElement) -> Bool {
        switch element.namespace {
        case .html: flags[Int(element.tag.rawValue)].contains(.special)
        case .svg: isHTMLIntegrationPoint(element)
        case .math: isMathMLTextIntegrationPoint(element) || element.tag == .annotationXML
        }
    }

    private func bounds(_ scope: Scope, _ element: OpenElement) -> Bool {
        if element.namespace != .html {
            return scope != .table && isSpecial(element)
        }
        switch scope {
        case .table: return element.tag == .html || element.tag == .table || element.tag == .template
        case .listItem where element.tag == .ol || element.tag == .ul: return true
        case .button where element.tag == .button: return true
        default: return flags[Int(element.tag.rawValue)].contains(.scopeBoundary)
        }
    }

    /// The index of the innermost element `matching` before the search meets the scope's boundary.
    func index(inScope scope: Scope, where matching: (OpenElement) -> Bool) -> Int? {
        var index = elements.count - 1
        while index >= 0 {
            let element = elements[index]
            if matching(element) { return index }
            if bounds(scope, element) { return nil }
            index -= 1
        }
        return nil
    }

    /// The index of the innermost HTML element with this tag in scope.
    func index(of tag: Tag, inScope scope: Scope) -> Int? {
        guard isOpen(tag) else { return nil }
        return index(inScope: scope) { isHTML($0, tag) }
    }
}
