/// The WHATWG tree-construction rules that decide where elements start and end, as far as an
/// edit depends on it: implied `html`/`head`/`body`; `p`, `li`, `dd`, `dt`, `option`, table
/// cells and rows, ruby annotations ended by what follows them; end tags closing the elements
/// left open inside theirs; stray end tags ignored; SVG and MathML. Not modelled, because they
/// move or duplicate elements rather than end them: foster parenting out of tables, the adoption
/// agency's reconstruction of formatting elements, the implied `tbody`, template contents.
extension RewriteEngine {
    mutating func startTag(_ view: TagView, isSelfClosing: Bool, matchable: Bool) {
        if handledByDocumentPhase(startTag: view, isSelfClosing: isSelfClosing, matchable: matchable) { return }
        if let current = stack.top, current.namespace != .html, !startsHTMLContent(view, inside: current) {
            if breaksOutOfForeignContent(view) {
                while let top = stack.top, top.namespace != .html, !stack.isHTMLIntegrationPoint(top),
                    !stack.isMathMLTextIntegrationPoint(top)
                {
                    closeTop(endTag: nil)
                }
            } else {
                openElement(view, current.namespace, hasContent: !isSelfClosing, matchable: matchable)
                return
            }
        }
        startTagInBody(view, isSelfClosing: isSelfClosing, matchable: matchable)
    }

    mutating func endTag(_ view: TagView) {
        if handledByDocumentPhase(endTag: view) { return }
        if let current = stack.top, current.namespace != .html {
            // An end tag in SVG/MathML closes the innermost element of its name, searching down to
            // the first HTML element, from where the HTML rules take over.
            var index = stack.count - 1
            while true {
                if stack.element(stack[index], isNamed: view.tag, view.name) {
                    close(through: index, endTag: view.bytes)
                    return
                }
                index -= 1
                if index < 0 {
                    emit(view.bytes)
                    return
                }
                if stack[index].namespace == .html { break }
            }
        }
        endTagInBody(view)
    }

    /// Non-whitespace character data outside any element's raw text: it belongs in `body`.
    mutating func textBegins() {
        while true {
            switch phase {
            case .beforeHTML:
                openVirtual(.html)
                phase = .beforeHead
            case .beforeHead:
                openVirtual(.head)
                phase = .inHead
            case .inHead:
                // Text inside a `template` in `head` stays there.
                guard stack.topIs(.head) else { return }
                closeTop(endTag: nil)
                phase = .afterHead
            case .afterHead:
                openVirtual(.body)
                phase = .inBody
            case .inBody:
                return
            }
        }
    }

    /// The end of the page implies every skeleton element not yet seen, as in browsers.
    mutating func endOfDocument() {
        textBegins()
    }

    // MARK: The document skeleton

    private mutating func handledByDocumentPhase(startTag view: TagView, isSelfClosing: Bool, matchable: Bool)
        -> Bool
    {
        let tag = view.tag
        while true {
            switch phase {
            case .beforeHTML:
                if tag == .html {
                    openElement(view, .html, hasContent: true, matchable: matchable)
                    phase = .beforeHead
                    return true
                }
                openVirtual(.html)
                phase = .beforeHead
            case .beforeHead:
                if tag == .head {
                    openElement(view, .html, hasContent: true, matchable: matchable)
                    phase = .inHead
                    return true
                }
                if tag == .html { return ignore(view) }
                openVirtual(.head)
                phase = .inHead
            case .inHead:
                guard stack.topIs(.head) else { return false }
                if tag == .html || tag == .head { return ignore(view) }
                if stack.flags(of: tag).contains(.headContent) {
                    return false
                }
                closeTop(endTag: nil)
                phase = .afterHead
            case .afterHead:
                if tag == .body || tag == .frameset {
                    openElement(view, .html, hasContent: true, matchable: matchable)
                    phase = .inBody
                    return true
                }
                if tag == .html || tag == .head { return ignore(view) }
                // Head content after `</head>` goes back into the head in browsers; here it is
                // left where it is.
                if stack.flags(of: tag).contains(.headContent) {
                    return false
                }
                openVirtual(.body)
                phase = .inBody
            case .inBody:
                return false
            }
        }
    }

    private mutating func handledByDocumentPhase(endTag view: TagView) -> Bool {
        let tag = view.tag
        let endsSkeleton = tag == .head || tag == .body || tag == .html || tag == .br
        while true {
            switch phase {
            case .beforeHTML:
                guard endsSkeleton else { return ignore(view) }
                openVirtual(.html)
                phase = .beforeHead
            case .beforeHead:
                guard endsSkeleton else { return ignore(view) }
                openVirtual(.head)
                phase = .inHead
            case .inHead:
                guard stack.topIs(.head), endsSkeleton else { return false }
                if tag == .head {
                    closeTop(endTag: view.bytes)
                    phase = .afterHead
                    return true
                }
                closeTop(endTag: nil)
                phase = .afterHead
            case .afterHead:
                guard endsSkeleton && tag != .head else { return ignore(view) }
                openVirtual(.body)
                phase = .inBody
            case .inBody:
                return false
            }
        }
    }

    /// A tag that is not an element: it passes through.
    private mutating func ignore(_ view: TagView) -> Bool {
        emit(view.bytes)
        return true
    }

    // MARK: SVG and MathML

    /// Whether a start tag inside an SVG/MathML element is HTML: inside the integration points
    /// (SVG `foreignObject`/`desc`/`title`; MathML `mi`/`mo`/`mn`/`ms`/`mtext`), and `svg` in `annotation-xml`.
    private func startsHTMLContent(_ view: TagView, inside current: OpenElement) -> Bool {
        if stack.isMathMLTextIntegrationPoint(current) { return view.tag != .mglyph && view.tag != .malignmark }
        if current.namespace == .math && current.tag == .annotationXML && view.tag == .svg { return true }
        return stack.isHTMLIntegrationPoint(current)
    }

    private func breaksOutOfForeignContent(_ view: TagView) -> Bool {
        if view.tag == .font {
            return view.hasAttribute("color") || view.hasAttribute("face") || view.hasAttribute("size")
        }
        return stack.flags(of: view.tag).contains(.breaksOutOfForeignContent)
    }

    // MARK: HTML

    private mutating func startTagInBody(_ view: TagView, isSelfClosing: Bool, matchable: Bool) {
        let tag = view.tag
        let flags = stack.flags(of: tag)
        switch tag {
        case .html, .head, .body:
            // A second `html` or `body` only adds attributes to the first: not an element.
            _ = ignore(view)
            return
        case .svg, .math:
            openElement(view, tag == .svg ? .svg : .math, hasContent: !isSelfClosing, matchable: matchable)
            return
        case .li:
            closeListItem { $0.tag == .li }
        case .dd, .dt:
            closeListItem { $0.tag == .dd || $0.tag == .dt }
        case .form where stack.isOpen(.form) && !stack.isOpen(.template):
            // A form inside a form is dropped by browsers: not an element.
            _ = ignore(view)
            return
        case .a:
            // Browsers end an open `a` before another (within the current table cell, object…).
            if stack.isOpen(.a),
                let index = stack.index(inScope: .normal, where: { stack.isHTML($0, .a) })
            {
                close(through: index, endTag: nil)
            }
        case .button:
            if let index = stack.index(of: .button, inScope: .normal) { close(through: index, endTag: nil) }
        case .option:
            if stack.topIs(.option) { closeTop(endTag: nil) }
        case .optgroup:
            if stack.topIs(.option) { closeTop(endTag: nil) }
            if stack.topIs(.optgroup) { closeTop(endTag: nil) }
        case .td, .th:
            closeCell()
        case .tr:
            closeCell()
            if let index = stack.index(of: .tr, inScope: .table) { close(through: index, endTag: nil) }
        case .tbody, .thead, .tfoot:
            closeCell()
            if stack.isOpen(.tr) || stack.isOpen(.tbody) || stack.isOpen(.thead) || stack.isOpen(.tfoot),
                let index = stack.index(
                    inScope: .table,
                    where: {
                        $0.namespace == .html
                            && ($0.tag == .tr || $0.tag == .tbody || $0.tag == .thead || $0.tag == .tfoot)
                    })
            {
                close(through: index, endTag: nil)
            }
        case .rb, .rtc, .rp, .rt:
            if stack.index(of: .ruby, inScope: .normal) != nil {
                while let top = stack.top, stack.flags(of: top).contains(.endsImplicitly),
                    tag == .rb || tag == .rtc || top.tag != .rtc
                {
                    closeTop(endTag: nil)
                }
            }
        default:
            break
        }
        // `table` too: pages with a doctype are in no-quirks mode, where a `p` cannot hold a table.
        if flags.contains(.closesParagraph) || tag == .table, let index = stack.index(of: .p, inScope: .button) {
            close(through: index, endTag: nil)
        }
        if flags.contains(.heading), let top = stack.top, stack.flags(of: top).contains(.heading) {
            closeTop(endTag: nil)
        }
        let contentModel: ContentModel
        switch tag {
        case .script: contentModel = .scriptData
        case .style, .xmp, .iframe, .noembed, .noframes, .noscript, .textarea, .title: contentModel = .rawText
        case .plaintext: contentModel = .plaintext
        default: contentModel = .data
        }
        let hasContent = !flags.contains(.void)
        openElement(view, .html, hasContent: hasContent, contentModel: contentModel, matchable: matchable)
        if contentModel != .data { tokenizer.read(contentModel, endTagName: view.name) }
    }

    /// Before a new `li` (or `dd`/`dt`), the open one ends, unless a block other than
    /// `address`, `div` or `p` separates them (a nested list).
    private mutating func closeListItem(_ isItem: (OpenElement) -> Bool) {
        guard stack.isOpen(.li) || stack.isOpen(.dd) || stack.isOpen(.dt) else { return }
        var index = stack.count - 1
        while index >= 0 {
            let element = stack[index]
            if element.namespace == .html && isItem(element) {
                close(through: index, endTag: nil)
                return
            }
            if stack.isSpecial(element)
                && !(element.namespace == .html
                    && (element.tag == .address || element.tag == .div || element.tag == .p))
            {
                return
            }
            index -= 1
        }
    }

    private mutating func closeCell() {
        guard stack.isOpen(.td) || stack.isOpen(.th) else { return }
        if let index = stack.index(inScope: .table, where: { stack.isHTML($0, .td) || stack.isHTML($0, .th) }) {
            close(through: index, endTag: nil)
        }
    }

    private mutating func endTagInBody(_ view: TagView) {
        let tag = view.tag
        let flags = stack.flags(of: tag)
        let index: Int?
        switch tag {
        case .p:
            index = stack.index(of: .p, inScope: .button)
        case .li:
            index = stack.index(of: .li, inScope: .listItem)
        case .h1, .h2, .h3, .h4, .h5, .h6:
            // Any heading's end tag ends the open heading: `<h1>…</h2>`.
            let anyOpen =
                stack.isOpen(.h1) || stack.isOpen(.h2) || stack.isOpen(.h3) || stack.isOpen(.h4)
                || stack.isOpen(.h5) || stack.isOpen(.h6)
            index =
                anyOpen
                ? stack.index(inScope: .normal) { $0.namespace == .html && stack.flags(of: $0).contains(.heading) }
                : nil
        case .td, .th, .tr, .tbody, .thead, .tfoot, .table, .caption, .colgroup:
            index = stack.index(of: tag, inScope: .table)
        case .br:
            index = nil
        default:
            if flags.contains(.special) || flags.contains(.closesParagraph) {
                index = stack.index(of: tag, inScope: .normal)
            } else {
                index = innermostElement(named: view)
            }
        }
        if let index {
            close(through: index, endTag: view.bytes)
        } else {
            emit(view.bytes)
        }
    }

    /// "Any other end tag": the innermost element of that name, unless a special element (a
    /// block, a table cell…) is met first, in which case the end tag is a stray.
    private func innermostElement(named view: TagView) -> Int? {
        guard stack.isOpen(view.tag) else { return nil }
        var index = stack.count - 1
        while index >= 0 {
            let element = stack[index]
            if element.namespace == .html && stack.element(element, isNamed: view.tag, view.name) { return index }
            if stack.isSpecial(element) { return nil }
            index -= 1
        }
        return nil
    }
}
