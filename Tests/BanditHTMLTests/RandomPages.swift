import BanditHTML

/// Random HTML-ish pages from a small grammar that favours the tricky parts: implied end tags,
/// stray and mis-nested end tags, raw text that looks like markup, odd comments, attribute
/// values with `>` and quotes, SVG with CDATA, any letter case, and a tag cut off at the end.
struct RandomPages {
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    static let containers = [
        "div", "p", "li", "ul", "ol", "span", "a", "h1", "h2", "section", "main", "table", "tr", "td", "th", "tbody",
        "select", "option", "optgroup", "dl", "dt", "dd", "b", "em", "form", "button", "my-el", "DIV", "P", "Li",
        "head", "body", "html", "ruby", "rt", "rp", "nav", "article", "template", "object", "caption",
    ]
    static let voids = ["img", "br", "input", "hr", "meta", "link", "IMG", "wbr", "source", "col"]
    static let rawTexts = ["script", "style", "textarea", "title", "xmp", "noscript", "iframe", "SCRIPT", "Style"]
    static let texts = [
        "hello", " ", "\n", "\r\n", "a < b", "1<2", "&amp;", "&copy", "<>", "</>", "é", "tab\t", "<3", "x", "  ",
        "<", "</", "a>b", "日本",
    ]
    static let oddities = [
        "<!-- x -->", "<!---->", "<!-->", "<!--->", "<!-- a -- b -->", "<!-- <p> --!>", "<!-- --- -->", "<?pi x?>",
        "<![CDATA[x<p>]]>", "</ bogus>", "<!bogus <p>>", "<!DOCTYPE html>", "<!-- <!-- -->", "</>",
    ]
    static let strays = [
        "</span>", "</p>", "</div>", "</li>", "</table>", "</body>", "</html>", "</head>", "</td>", "</x>", "</br>",
        "</h3>",
    ]
    static let scriptTexts = [
        "if(a<b)x()", "'<h1 class=cta>'", "<!--<script>x</script>-->", "</scriptx>", "</scr", "<!-- a </script", "-->",
        "<script>", "</SCRIPT", "<!--", "a--", "</style>", "</title>", "</textarea >",
    ]
    static let attributeNames = ["class", "id", "href", "data-x", "title", "CLASS", "hidden", "=w", "a'b", "src"]
    static let attributeValues = [
        "a", "b c", "x>y", "q\"uote", "s'q", "&amp;", "", "cta", "lead", "/p?a=1&b=2", "main",
    ]

    mutating func page() -> String {
        var page = ""
        if chance(0.6) { page += pick(["<!DOCTYPE html>", "<!doctype html>\n", "<!-- pre -->"]) }
        nodes(into: &page, depth: 0)
        if chance(0.15) {
            page += pick(["<div class=\"cut", "<p", "<", "</di", "<!-- open", "<script>x", "<a href=x"])
        }
        return page
    }

    private mutating func nodes(into page: inout String, depth: Int) {
        for _ in 0..<Int.random(in: 0...(depth > 3 ? 2 : 6), using: &random) { node(into: &page, depth: depth) }
    }

    private mutating func node(into page: inout String, depth: Int) {
        switch Int.random(in: 0..<12, using: &random) {
        case 0...3:
            let name = pick(Self.containers)
            page += "<\(name)\(attributes())>"
            nodes(into: &page, depth: depth + 1)
            if chance(0.75) { page += "</\(chance(0.2) ? name.uppercased() : name)\(chance(0.1) ? " " : "")>" }
        case 4, 5:
            page += pick(Self.texts)
        case 6:
            page += "<\(pick(Self.voids))\(attributes())\(chance(0.3) ? "/" : "")>"
        case 7:
            let name = pick(Self.rawTexts)
            page += "<\(name)\(attributes())>"
            for _ in 0..<Int.random(in: 0...3, using: &random) { page += pick(Self.scriptTexts + Self.texts) }
            if chance(0.85) { page += "</\(name.lowercased())>" }
        case 8:
            page += pick(Self.oddities)
        case 9:
            page += pick(Self.strays)
        case 10:
            page += "<svg\(attributes())>"
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                page += pick([
                    "<path d=\"M0\"/>", "<g class=cta>", "</g>", "<![CDATA[ <p> ]]>", "<title>t<b>x</b></title>",
                    "<foreignObject><p class=lead>f</p></foreignObject>", "<p>out", "<style>a<b></style>",
                ])
            }
            if chance(0.8) { page += "</svg>" }
        default:
            page += pick([
                "<math><mi>x</mi><mtext><b>t</b></mtext></math>", "<table><tr><td>1<td>2</table>",
                "<ul><li>a<li>b</ul>",
            ])
        }
    }

    private mutating func attributes() -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            text += pick([" ", "\n", "  ", "\t"])
            text += pick(Self.attributeNames)
            let value = pick(Self.attributeValues)
            switch Int.random(in: 0..<5, using: &random) {
            case 0: break
            case 1: text += "=\"\(value.replacingOccurrences("\"", "&quot;"))\""
            case 2: text += "='\(value.replacingOccurrences("'", "&#39;"))'"
            case 3: text += " = \"\(value.replacingOccurrences("\"", ""))\""
            default:
                let unquoted = value.filter { !" \"'>=".contains($0) }
                text += "=\(unquoted.isEmpty ? "u" : unquoted)"
            }
        }
        return text
    }

    /// A few edits of every kind on selectors that the pages above often match.
    mutating func edits() -> [HTMLEdit] {
        let selectors = [
            "div", "p", "li", ".cta", "#main", "[data-x]", "div p", "ul > li", "a[href]", "head", "body", "html",
            "title", "script", "svg path", "td", "option", "h1, h2", "*", "span.lead", "[class~=b]", "my-el", "g.cta",
            "style", "textarea", "img", "br", "table tr", "foreignObject p", "mtext b", "template p",
        ]
        return (0..<Int.random(in: 1...5, using: &random)).map { _ in
            edit(pick(selectors), action(marker: nil))
        }
    }

    /// An action; with a marker, only insertions of that marker.
    mutating func action(marker: String?) -> HTMLEditAction {
        if let marker {
            return [.before(marker), .after(marker), .append(marker), .prepend(marker)][
                Int.random(in: 0..<4, using: &random)]
        }
        return pick([
            .text("T&<"), .html("<i>h</i>"), .setAttribute(name: "class", value: "n\"v"), .remove, .append("<u>a</u>"),
            .prepend("<u>p</u>"), .before("<hr>"), .after("<!--after-->"),
        ])
    }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }

    mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &random)] }

    mutating func int(in range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
}

extension String {
    fileprivate func replacingOccurrences(_ target: Character, _ replacement: String) -> String {
        var result = ""
        for character in self { if character == target { result += replacement } else { result.append(character) } }
        return result
    }
}
