import BanditHTML

/// An experiment's `arms`: names, or objects that also say what the arm does (a path, a
/// redirect, another upstream), so an experiment can need no code in the site.
extension ExperimentConfigReader {
    func readArms(_ members: [String: JSONValue], at path: String, source: PathPattern?) -> (
        [String], [ArmVariant]
    ) {
        guard let value = members["arms"] else { return (["off", "on"], [.plain, .plain]) }
        guard case .array(let elements) = value else {
            reader.fail("\(path).arms", value.mismatch(expected: "an array of arm names or arm objects"))
            return (["off", "on"], [.plain, .plain])
        }
        if elements.count < 2 {
            reader.fail(
                "\(path).arms",
                "has \(elements.count) arm\(elements.count == 1 ? "" : "s"); an experiment needs two or more")
        }
        var names: [String] = []
        var variants: [ArmVariant] = []
        var seen = Set<String>()
        for (index, element) in elements.enumerated() {
            let armPath = "\(path).arms[\(index)]"
            let arm: (name: String, variant: ArmVariant)?
            switch element {
            case .string(let text): arm = reader.substitute(text, at: armPath).map { ($0, .plain) }
            case .object: arm = readArmObject(element, at: armPath, source: source)
            default:
                reader.fail(armPath, element.mismatch(expected: "an arm name or an object with \"name\""))
                arm = nil
            }
            guard let arm else { continue }
            if !Syntax.isName(arm.name, extra: "_.-") || arm.name.count > 64 {
                reader.fail(armPath, "\"\(arm.name)\" is not allowed; use up to 64 letters, digits, '_', '.' and '-'")
            }
            if !seen.insert(arm.name).inserted {
                reader.fail(armPath, "\"\(arm.name)\" appears twice; arm names must be unique")
            }
            names.append(arm.name)
            variants.append(arm.variant)
        }
        return (names, variants)
    }

    private func readArmObject(_ value: JSONValue, at armPath: String, source: PathPattern?) -> (
        name: String, variant: ArmVariant
    )? {
        guard let members = reader.object(value, at: armPath, known: ConfigKeys.arm) else { return nil }
        // Every key is read even without a name, so that one pass reports every mistake.
        let name = reader.string(members, "name", at: armPath)
        if members["name"] == nil { reader.fail("\(armPath).name", "is required: the arm's name") }
        var variant = ArmVariant()
        if let target = reader.string(members, "path", at: armPath) {
            if !target.hasPrefix("/") || target.contains(where: { $0 == "?" || $0 == "#" || $0 == " " }) {
                reader.fail(
                    "\(armPath).path", "\"\(target)\" is not a path; expected one starting with /, without ? or #")
            } else if source?.isPrefix == true {
                reader.fail(
                    "\(armPath).path",
                    "needs an exact source path; \(source!) names many pages, and one path cannot stand for all")
            }
            variant.path = target
        }
        variant.redirect = reader.bool(members, "redirect", at: armPath) ?? false
        if variant.redirect && members["path"] == nil {
            reader.fail("\(armPath).redirect", "needs a path to send the visitor to")
        }
        if let text = reader.string(members, "upstream", at: armPath) {
            variant.upstream = ConfigLoader.parseUpstream(text, at: "\(armPath).upstream", reader: reader)
        }
        if let value = members["html"] {
            variant.html = readHTMLEdits(value, at: "\(armPath).html")
        }
        guard let name else { return nil }
        return (name, variant)
    }

    /// `"html": [{"selector": "h1", "text": "…"}, …]`: each edit a selector and one action.
    private func readHTMLEdits(_ value: JSONValue, at path: String) -> [HTMLEdit] {
        guard case .array(let elements) = value else {
            reader.fail(
                path, value.mismatch(expected: "an array of edits such as {\"selector\": \"h1\", \"text\": \"…\"}"))
            return []
        }
        var edits: [HTMLEdit] = []
        for (index, element) in elements.enumerated() {
            let editPath = "\(path)[\(index)]"
            guard let members = reader.object(element, at: editPath, known: ConfigKeys.htmlEdit) else { continue }
            guard let selectorText = reader.string(members, "selector", at: editPath) else {
                if members["selector"] == nil {
                    reader.fail("\(editPath).selector", "is required, e.g. \"h1#headline\"")
                }
                continue
            }
            let selector: HTMLSelector
            do {
                selector = try HTMLSelector(parsing: selectorText)
            } catch {
                reader.fail("\(editPath).selector", "\(error)")
                continue
            }
            guard let action = readHTMLAction(members, at: editPath) else { continue }
            edits.append(HTMLEdit(selector: selector, action: action))
        }
        return edits
    }

    /// The one action an edit names.
    private func readHTMLAction(_ members: [String: JSONValue], at path: String) -> HTMLEditAction? {
        let actions = ConfigKeys.htmlActions
        let named = actions.filter { members[$0] != nil }
        guard named.count == 1, let key = named.first else {
            reader.fail(
                path,
                named.isEmpty
                    ? "names no action; give one of \(actions.joined(separator: ", "))"
                    : "names \(named.count) actions (\(named.joined(separator: ", "))); give one edit per action")
            return nil
        }
        if key != "attribute" && members["value"] != nil {
            reader.fail("\(path).value", "goes with \"attribute\" only")
            return nil
        }
        switch key {
        case "remove":
            guard let remove = reader.bool(members, "remove", at: path) else { return nil }
            guard remove else {
                reader.fail("\(path).remove", "is false; leave the edit out instead")
                return nil
            }
            return .remove
        case "attribute":
            guard let name = reader.string(members, "attribute", at: path) else { return nil }
            guard let value = reader.string(members, "value", at: path) else {
                if members["value"] == nil { reader.fail("\(path).value", "is required with \"attribute\"") }
                return nil
            }
            let action = HTMLEditAction.setAttribute(name: name, value: value)
            if let problem = action.problem {
                reader.fail("\(path).attribute", problem)
                return nil
            }
            return action
        default:
            guard let markup = reader.string(members, key, at: path) else { return nil }
            switch key {
            case "text": return .text(markup)
            case "html": return .html(markup)
            case "append": return .append(markup)
            case "prepend": return .prepend(markup)
            case "before": return .before(markup)
            default: return .after(markup)
            }
        }
    }
}
