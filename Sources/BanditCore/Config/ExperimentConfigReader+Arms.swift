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
        guard let name = reader.string(members, "name", at: armPath) else {
            if members["name"] == nil { reader.fail("\(armPath).name", "is required: the arm's name") }
            return nil
        }
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
        return (name, variant)
    }
}
