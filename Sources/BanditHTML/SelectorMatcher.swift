/// Matches elements against the compiled selectors as they open, without looking back up the
/// tree: each open element carries, as bits, the compounds its descendants (and, for `>`, its
/// children) may match next.
struct SelectorMatcher {
    private let selectors: CompiledSelectors
    /// 64-bit words per set of compounds.
    private let words: Int
    /// What the document root offers its children: the first compound of every selector.
    private var initialStates: [UInt64]
    /// Per open element, its descendant set then its child set, `words` each; unused when no
    /// selector has a combinator, since every element is then offered the initial set.
    private var states: [UInt64] = []
    /// The sets of the open elements, for `RewriteState`.
    var openStates: [UInt64] { states }
    /// Every selector is one compound: no element's matching depends on its ancestors.
    private let hasCombinators: Bool
    /// Per tag (raw value), the compounds an element with that tag may match, `words` each: a
    /// first filter that leaves most elements of a page with no candidate to check at all.
    private let compoundsForTag: [UInt64]
    /// The compounds an element without attributes may match (no id, class or attribute asked).
    private let compoundsWithoutAttributes: [UInt64]

    init(_ selectors: [HTMLSelector], tags: TagTable) {
        let compiled = CompiledSelectors(selectors, tags: tags)
        self.selectors = compiled
        let words = (compiled.compounds.count + 63) / 64
        self.words = words
        initialStates = Array(repeating: 0, count: words)
        for index in compiled.firstCompounds { initialStates[index >> 6] |= 1 << UInt64(index & 63) }
        hasCombinators = compiled.compounds.contains { !$0.isLast }
        var forTag = [UInt64](repeating: 0, count: 256 * words)
        var withoutAttributes = [UInt64](repeating: 0, count: words)
        for index in 0..<compiled.compounds.count {
            let bit: UInt64 = 1 << UInt64(index & 63)
            let required = compiled.requiredTag(index)
            if required == CompiledSelectors.anyTag {
                for tag in 0..<256 { forTag[tag * words + index >> 6] |= bit }
            } else {
                forTag[Int(required) * words + index >> 6] |= bit
            }
            if !compiled.compounds[index].asksForAttributes { withoutAttributes[index >> 6] |= bit }
        }
        compoundsForTag = forTag
        compoundsWithoutAttributes = withoutAttributes
    }

    /// Matches an element opening inside the open elements pushed so far: appends to `matched`
    /// the edits it matches (possibly repeated) and, when `isOpen` (it has content), pushes the
    /// states its content inherits.
    mutating func open(_ element: TagView, isOpen: Bool, matched: inout [Int]) {
        guard words > 0 else { return }
        let parent = hasCombinators ? states.count - 2 * words : -1
        let base = states.count
        if isOpen && hasCombinators { pushInherited(from: parent) }
        var facts = ElementFacts()
        let tagOffset = Int(element.tag.rawValue) * words
        let hasAttributes = !element.attributes.isEmpty
        for word in 0..<words {
            var candidates = parent >= 0 ? states[parent + word] | states[parent + words + word] : initialStates[word]
            candidates &= compoundsForTag[tagOffset + word]
            if !hasAttributes { candidates &= compoundsWithoutAttributes[word] }
            while candidates != 0 {
                let index = word << 6 | candidates.trailingZeroBitCount
                candidates &= candidates &- 1
                // `compoundsForTag` has already left out compounds asking for another tag.
                guard selectors.matches(index, element, &facts) else { continue }
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
        guard words > 0 && hasCombinators else { return }
        pushInherited(from: states.count - 2 * words)
    }

    /// The innermost open element ends.
    mutating func close() {
        guard hasCombinators else { return }
        // removeLast(_:) would go through the general replaceSubrange.
        for _ in 0..<2 * words { states.removeLast() }
    }

    private mutating func pushInherited(from parent: Int) {
        for word in 0..<words { states.append(parent >= 0 ? states[parent + word] : initialStates[word]) }
        for _ in 0..<words { states.append(0) }
    }
}
