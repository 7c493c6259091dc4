/// The edits' selectors compiled into one flat list of compound selectors, in fixed storage so
/// that matching an element touches no reference counts and checks no bounds.
final class CompiledSelectors {
    private enum Operator: UInt8 {
        case present, equals, containsWord, equalsOrDashPrefix, hasPrefix, hasSuffix, contains
    }

    private struct Condition {
        var name: Range<Int>
        var op: Operator
        var value: Range<Int>
    }

    struct Compound {
        /// The tag required (for `.other`, the one named `otherName` in the pool), or nil for any.
        fileprivate var tag: Tag?
        fileprivate var otherName: Range<Int>
        fileprivate var id: Range<Int>?
        /// Into `classNames`.
        fileprivate var classes: Range<Int>
        /// Into `conditions`.
        fileprivate var conditions: Range<Int>
        /// The edit whose selector this compound belongs to.
        let edit: Int
        /// The compound that picks the element: a match is a match of `edit`.
        let isLast: Bool
        /// The next compound must match a child, not any descendant.
        let nextIsChild: Bool

        /// It asks for an id, a class or an attribute: an element without attributes fails it.
        var asksForAttributes: Bool { id != nil || !classes.isEmpty || !conditions.isEmpty }
    }

    let compounds: UnsafeMutableBufferPointer<Compound>
    /// The raw value of the tag compound `index` requires, or `anyTag`.
    func requiredTag(_ index: Int) -> UInt8 { compounds[index].tag?.rawValue ?? Self.anyTag }
    static let anyTag: UInt8 = 0xFF
    /// The index of the first compound of every selector (what the document root offers).
    let firstCompounds: [Int]
    private let classNames: UnsafeMutableBufferPointer<Range<Int>>
    private let conditions: UnsafeMutableBufferPointer<Condition>
    /// All names and values, back to back.
    private let pool: UnsafeMutableRawBufferPointer

    init(_ selectors: [HTMLSelector], tags: TagTable) {
        var builder = Builder(tags: tags)
        var firstCompounds: [Int] = []
        for (edit, selector) in selectors.enumerated() {
            for alternative in selector.alternatives {
                firstCompounds.append(builder.compounds.count)
                for (index, compound) in alternative.compounds.enumerated() {
                    let isLast = index == alternative.compounds.count - 1
                    builder.add(
                        compound, edit: edit, isLast: isLast,
                        nextIsChild: !isLast && alternative.combinators[index] == .child)
                }
            }
        }
        self.firstCompounds = firstCompounds
        compounds = .allocate(capacity: builder.compounds.count)
        _ = compounds.initialize(from: builder.compounds)
        classNames = .allocate(capacity: builder.classNames.count)
        _ = classNames.initialize(from: builder.classNames)
        conditions = .allocate(capacity: builder.conditions.count)
        _ = conditions.initialize(from: builder.conditions)
        pool = .allocate(byteCount: builder.pool.count, alignment: 1)
        pool.copyBytes(from: builder.pool)
    }

    deinit {
        compounds.deallocate()
        classNames.deallocate()
        conditions.deallocate()
        pool.deallocate()
    }

    /// Gathers the compiled pieces in arrays, before they move to fixed storage.
    private struct Builder {
        let tags: TagTable
        var compounds: [Compound] = []
        var classNames: [Range<Int>] = []
        var conditions: [Condition] = []
        var pool: [UInt8] = []

        mutating func intern(_ text: String) -> Range<Int> {
            let start = pool.count
            pool.append(contentsOf: text.utf8)
            return start..<pool.count
        }

        mutating func add(_ compound: CompoundSelector, edit: Int, isLast: Bool, nextIsChild: Bool) {
            var tag: Tag?
            var otherName = 0..<0
            if let name = compound.tagName {
                otherName = intern(name)
                tag = pool[otherName].withUnsafeBytes { tags.tag(named: $0) }
            }
            let firstClass = classNames.count
            for name in compound.classes { classNames.append(intern(name)) }
            let firstCondition = conditions.count
            for attribute in compound.attributes {
                let name = intern(attribute.name)
                let (op, value): (Operator, String) =
                    switch attribute.match {
                    case nil: (.present, "")
                    case .equals(let value)?: (.equals, value)
                    case .containsWord(let value)?: (.containsWord, value)
                    case .equalsOrDashPrefix(let value)?: (.equalsOrDashPrefix, value)
                    case .hasPrefix(let value)?: (.hasPrefix, value)
                    case .hasSuffix(let value)?: (.hasSuffix, value)
                    case .contains(let value)?: (.contains, value)
                    }
                conditions.append(Condition(name: name, op: op, value: intern(value)))
            }
            compounds.append(
                Compound(
                    tag: tag, otherName: otherName, id: compound.id.map { intern($0) },
                    classes: firstClass..<classNames.count, conditions: firstCondition..<conditions.count,
                    edit: edit, isLast: isLast, nextIsChild: nextIsChild))
        }
    }

    /// Whether the element meets every condition of compound `index`.
    func matches(_ index: Int, _ element: TagView, _ facts: inout ElementFacts) -> Bool {
        let compound = compounds[index]
        if let tag = compound.tag {
            guard tag == element.tag else { return false }
            if tag == .other && !ByteCompare.equalsLowercased(element.name, bytes(compound.otherName)) {
                return false
            }
        }
        if compound.id != nil || !compound.classes.isEmpty { facts.lookUp(in: element) }
        if let id = compound.id {
            guard let value = facts.id, ByteCompare.equals(value, bytes(id)) else { return false }
        }
        if !compound.classes.isEmpty {
            guard let value = facts.classes else { return false }
            for index in compound.classes where !ByteCompare.containsWord(value, bytes(classNames[index])) {
                return false
            }
        }
        for index in compound.conditions where !satisfies(element, conditions[index]) { return false }
        return true
    }

    private func satisfies(_ element: TagView, _ condition: Condition) -> Bool {
        guard let attribute = element.attribute(named: bytes(condition.name)) else { return false }
        let value = element.value(of: attribute)
        let wanted = bytes(condition.value)
        switch condition.op {
        case .present: return true
        case .equals: return ByteCompare.equals(value, wanted)
        case .containsWord: return ByteCompare.containsWord(value, wanted)
        case .equalsOrDashPrefix:
            return ByteCompare.equals(value, wanted)
                || (value.count > wanted.count && value[wanted.count] == UInt8(ascii: "-")
                    && ByteCompare.hasPrefix(value, wanted))
        case .hasPrefix: return !wanted.isEmpty && ByteCompare.hasPrefix(value, wanted)
        case .hasSuffix: return !wanted.isEmpty && ByteCompare.hasSuffix(value, wanted)
        case .contains: return !wanted.isEmpty && ByteCompare.contains(value, wanted)
        }
    }

    @inline(__always)
    private func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: pool.baseAddress.map { $0 + range.lowerBound }, count: range.count)
    }
}

/// The `id` and `class` values of the element being matched, looked up once for all the
/// compounds that ask.
struct ElementFacts {
    private var isLookedUp = false
    private(set) var id: UnsafeRawBufferPointer?
    private(set) var classes: UnsafeRawBufferPointer?

    @inline(__always)
    mutating func lookUp(in element: TagView) {
        guard !isLookedUp else { return }
        isLookedUp = true
        // The first of duplicates counts, as in browsers.
        for attribute in element.attributes {
            let name = UnsafeRawBufferPointer(rebasing: element.bytes[attribute.nameStart..<attribute.nameEnd])
            if id == nil && name.count == 2 && ASCII.lowercased(name[0]) == UInt8(ascii: "i")
                && ASCII.lowercased(name[1]) == UInt8(ascii: "d")
            {
                id = element.value(of: attribute)
            } else if classes == nil && name.count == 5,
                "class".utf8.elementsEqual(name.lazy.map(ASCII.lowercased))
            {
                classes = element.value(of: attribute)
            }
        }
    }
}
