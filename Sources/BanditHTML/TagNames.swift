/// The tag names the tree-building rules single out, so a tag is compared and classified by a
/// one-byte code instead of its name; every other name is `.other`.
enum Tag: UInt8, CaseIterable {
    case other
    case a, address, annotationXML, applet, area, article, aside, b, base, basefont, bgsound, big
    case blockquote, body, br, button, caption, center, code, col, colgroup, dd, desc, details, dialog
    case dir, div, dl, dt, em, embed, fieldset, figcaption, figure, font, footer, foreignObject, form
    case frame, frameset, h1, h2, h3, h4, h5, h6, head, header, hgroup, hr, html, i, iframe, img, input
    case keygen, li, link, listing, main, malignmark, marquee, math, menu, meta, mglyph, mi, mn, mo, ms
    case mtext, nav, nobr, noembed, noframes, noscript, object, ol, optgroup, option, p, param
    case plaintext, pre, rb, rp, rt, rtc, ruby, s, script, search, section, select, small, source, span
    case strike, strong, style, sub, summary, sup, svg, table, tbody, td, template, textarea, tfoot
    case th, thead, title, tr, track, tt, u, ul, `var`, wbr, xmp

    /// The name as the tokenizer produces it: lowercase.
    var name: String {
        switch self {
        case .annotationXML: "annotation-xml"
        case .foreignObject: "foreignobject"
        default: String(describing: self)
        }
    }
}

/// What the tree-building rules need to know about an HTML element's tag.
struct TagFlags: OptionSet {
    let rawValue: UInt32

    /// Has no content and no end tag (`img`, `br`, …).
    static let void = TagFlags(rawValue: 1 << 0)
    /// The spec's "special" category: stops the search for an end tag's element and for an
    /// open `li`/`dd`/`dt`.
    static let special = TagFlags(rawValue: 1 << 1)
    /// Its start tag ends an open `p` (a `p` cannot contain it).
    static let closesParagraph = TagFlags(rawValue: 1 << 2)
    /// Bounds "has an element in scope" (applet, caption, html, table, td, th, marquee, object, template).
    static let scopeBoundary = TagFlags(rawValue: 1 << 3)
    /// Belongs in `head`; other start tags end an open `head`.
    static let headContent = TagFlags(rawValue: 1 << 4)
    /// Its start tag ends open SVG/MathML elements (`<svg><p>` puts the `p` outside the `svg`).
    static let breaksOutOfForeignContent = TagFlags(rawValue: 1 << 5)
    /// Ended by "generate implied end tags" (dd, dt, li, optgroup, option, p, rb, rp, rt, rtc).
    static let endsImplicitly = TagFlags(rawValue: 1 << 6)
    /// h1 … h6.
    static let heading = TagFlags(rawValue: 1 << 7)
}

/// Maps tag names to `Tag` through an open-addressing hash table built once, keyed by the
/// lowercase name packed into two words; and tags to their flags.
///
/// `@unchecked Sendable`: the table is written only in `init`, then only read.
final class TagTable: @unchecked Sendable {
    static let shared = TagTable()

    private static let slotMask = 511
    /// Longest name the table holds ("annotation-xml"); the length goes in the last byte of the key.
    private static let longestName = 14
    /// Per slot: the key of the name it holds.
    private let keys: UnsafeMutablePointer<(UInt64, UInt64)>
    /// Per slot: the raw value of the tag it holds, 0 when empty.
    private let tags: UnsafeMutablePointer<UInt8>
    let flags: [TagFlags]

    private init() {
        keys = .allocate(capacity: Self.slotMask + 1)
        keys.initialize(repeating: (0, 0), count: Self.slotMask + 1)
        tags = .allocate(capacity: Self.slotMask + 1)
        tags.initialize(repeating: 0, count: Self.slotMask + 1)
        for tag in Tag.allCases where tag != .other {
            let key = Array(tag.name.utf8).withUnsafeBytes { Self.key($0) }
            var slot = Self.slot(key)
            while tags[slot] != 0 { slot = (slot + 1) & Self.slotMask }
            keys[slot] = key
            tags[slot] = tag.rawValue
        }
        flags = Tag.allCases.map(Self.flags(of:))
    }

    /// The tag named by `name`, compared ASCII-case-insensitively.
    func tag(named name: UnsafeRawBufferPointer) -> Tag {
        guard !name.isEmpty, name.count <= Self.longestName else { return .other }
        let key = Self.key(name)
        var slot = Self.slot(key)
        while true {
            let raw = tags[slot]
            if raw == 0 { return .other }
            if keys[slot] == key { return unsafeBitCast(raw, to: Tag.self) }
            slot = (slot + 1) & Self.slotMask
        }
    }

    /// The lowercase name in two little-endian words, its length in the top byte of the second.
    @inline(__always)
    private static func key(_ name: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var low: UInt64 = 0
        var high = UInt64(name.count) << 56
        for index in 0..<name.count {
            let byte = UInt64(ASCII.lowercased(name[index]))
            if index < 8 {
                low |= byte << (index << 3)
            } else {
                high |= byte << ((index - 8) << 3)
            }
        }
        return (low, high)
    }

    @inline(__always)
    private static func slot(_ key: (UInt64, UInt64)) -> Int {
        let mixed = (key.0 ^ (key.1 &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: mixed >> 40) & slotMask
    }

    private static func flags(of tag: Tag) -> TagFlags {
        var flags: TagFlags = []
        switch tag {
        case .area, .base, .basefont, .bgsound, .br, .col, .embed, .frame, .hr, .img, .input, .keygen, .link,
            .meta, .param, .source, .track, .wbr:
            flags.insert(.void)
        default: break
        }
        switch tag {
        case .address, .applet, .area, .article, .aside, .base, .basefont, .bgsound, .blockquote, .body, .br,
            .button, .caption, .center, .col, .colgroup, .dd, .details, .dir, .div, .dl, .dt, .embed, .fieldset,
            .figcaption, .figure, .footer, .form, .frame, .frameset, .h1, .h2, .h3, .h4, .h5, .h6, .head, .header,
            .hgroup, .hr, .html, .iframe, .img, .input, .keygen, .li, .link, .listing, .main, .marquee, .menu,
            .meta, .nav, .noembed, .noframes, .noscript, .object, .ol, .p, .param, .plaintext, .pre, .script,
            .search, .section, .select, .source, .style, .summary, .table, .tbody, .td, .template, .textarea,
            .tfoot, .th, .thead, .title, .tr, .track, .ul, .wbr, .xmp:
            flags.insert(.special)
        default: break
        }
        switch tag {
        case .address, .article, .aside, .blockquote, .center, .details, .dialog, .dir, .div, .dl, .fieldset,
            .figcaption, .figure, .footer, .header, .hgroup, .main, .menu, .nav, .ol, .p, .search, .section,
            .summary, .ul, .h1, .h2, .h3, .h4, .h5, .h6, .pre, .listing, .form, .li, .dd, .dt, .plaintext, .hr,
            .xmp:
            flags.insert(.closesParagraph)
        default: break
        }
        switch tag {
        case .applet, .caption, .html, .table, .td, .th, .marquee, .object, .template: flags.insert(.scopeBoundary)
        default: break
        }
        switch tag {
        case .base, .basefont, .bgsound, .link, .meta, .noframes, .script, .style, .template, .title, .noscript:
            flags.insert(.headContent)
        default: break
        }
        switch tag {
        case .b, .big, .blockquote, .body, .br, .center, .code, .dd, .div, .dl, .dt, .em, .embed, .h1, .h2, .h3,
            .h4, .h5, .h6, .head, .hr, .i, .img, .li, .listing, .menu, .meta, .nobr, .ol, .p, .pre, .ruby, .s,
            .small, .span, .strong, .strike, .sub, .sup, .table, .tt, .u, .ul, .var:
            flags.insert(.breaksOutOfForeignContent)
        default: break
        }
        switch tag {
        case .dd, .dt, .li, .optgroup, .option, .p, .rb, .rp, .rt, .rtc: flags.insert(.endsImplicitly)
        default: break
        }
        switch tag {
        case .h1, .h2, .h3, .h4, .h5, .h6: flags.insert(.heading)
        default: break
        }
        return flags
    }
}
