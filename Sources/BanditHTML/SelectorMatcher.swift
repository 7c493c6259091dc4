/// Matches elements against the compiled selectors as they open, without looking back up the
/// tree: each open element carries, as bits, the compounds its descendants (and, for `>`, its
/// children) may match next.
struct SelectorMatcher {
    private let selectors: CompiledSelectors
    /// 64-bit words per set of compounds.
    private let words: Int
    /// What the document root offers its children: the first compound of every selector.
    private var initialStates: [UInt64]
    /// Per open element, its descendant set then its child set, `words` each.
    private var states: [UInt64] = []

    init(_ selectors: [HTMLSelector], tags: TagTable) {
        self.selectors = CompiledSelectors(selectors, tags: tags)
        words = (self.selectors.compounds.count + 63) / 64
        initialStates = Array(repeating: 0, count: words)
        for index in self.selectors.firstCompounds { initialStates[index >> 6] |= 1 << UInt64(index & 63) }
    }

    /// Matches an element opening inside the open elements pushed so far: appends to `matched`
    /// the edits it matches (possibly repeated) and, when `isOpen` (it has content), pushes the
    /// states its content inherits.
    mutating func open(_ element: TagView, isOpen: Bool, matched: inout [Int]) {
        guard words > 0 else { return }
        let parent = states.count - 2 * words
        let base = states.count
        if isOpen { pushInherited(from: parent) }
        var facts = ElementFacts()
        for word in 0..<words {
            var candidates = parent >= 0 ? states[parent + word] | states[parent + words + word] : initialStates[word]
            while candidates != 0 {
                let index = word << 6 | candidates.trailingZeroBitCount
                candidates &= candidates &- 1
                let required = selectors.requiredTags[index]
                guard required == CompiledSelectors.anyTag || required == element.tag.rawValue,
                    selectors.matches(index, element, &facts)
                else { continue }
                let compound = selectors.compounds[index]
                if compound.isLast {
                    matched.append(compound.edit)
                } else if isOpen {
                    let next = index + 1
                    states[base + (compound.nextIsChild ? words : 0) + next >> 6] |= 1 << UInt64(next & 63)
                }
            }
        }
    }

    /// An element that cannot be matched (its tag was too long to hold) opens: its content
    /// inherits what its parent's descendants may match.
    mutating func openUnmatched() {
        guard words > 0 else { return }
        pushInherited(from: states.count - 2 * words)
    }

    /// The innermost open element ends.
    mutating func close() {
        // removeLast(_:) would go through the general replaceSubrange.
        for _ in 0..<2 * words { states.removeLast() }
    }

    private mutating func pushInherited(from parent: Int) {
        for word in 0..<words { states.append(parent >= 0 ? states[parent + word] : initialStates[word]) }
        for _ in 0..<words { states.append(0) }
    }
}
