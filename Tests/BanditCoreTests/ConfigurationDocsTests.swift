import Foundation
import Testing

@testable import BanditCore

/// docs/CONFIGURATION.md and the config loader cannot drift apart: every key the loader
/// accepts (`ConfigKeys`) is documented there by its path in backticks, and every key the
/// document's tables describe is one the loader accepts.
@Suite struct ConfigurationDocsTests {
    static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/CONFIGURATION.md")

    /// `timeouts.connectSeconds`, `experiments[].name`, … for every key the loader accepts.
    static let acceptedPaths: [String] = ConfigKeys.sections.flatMap { section in
        section.keys.map { section.path.isEmpty ? $0 : "\(section.path).\($0)" }
    }

    static func document() throws -> String {
        try String(contentsOf: documentURL, encoding: .utf8)
    }

    @Test func everyAcceptedKeyIsDocumented() throws {
        let text = try Self.document()
        let missing = Self.acceptedPaths.filter { !text.contains("`\($0)`") }
        #expect(missing.isEmpty, "docs/CONFIGURATION.md does not document \(missing.joined(separator: ", "))")
    }

    /// A table row whose first cell is one key in backticks documents that key.
    @Test func everyDocumentedKeyIsAccepted() throws {
        let accepted = Set(Self.acceptedPaths)
        var documented: [String] = []
        for line in try Self.document().split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }.trimmingCharacters(in: .whitespaces)
            guard cell.count > 2, cell.hasSuffix("`"), cell.dropFirst().dropLast().allSatisfy({ $0 != "`" }) else {
                continue
            }
            documented.append(String(cell.dropFirst().dropLast()))
        }
        #expect(documented.count >= accepted.count, "found \(documented.count) documented keys")
        let unknown = documented.filter { !accepted.contains($0) }
        #expect(unknown.isEmpty, "docs/CONFIGURATION.md documents keys the loader refuses: \(unknown)")
    }

    /// Each section's path leads to the object whose keys the loader checks against that
    /// list: an unknown key placed there is refused, and the error lists exactly those keys.
    @Test(arguments: ConfigKeys.sections.map(\.path))
    func sectionPathsLeadToTheirObjects(_ path: String) throws {
        let section = try #require(ConfigKeys.sections.first { $0.path == path })
        // `experiments[].target[]` → {"experiments": [{"target": [{"unknownKey": 1}]}]}
        var json = #"{"unknownKey": 1}"#
        var errorPath = "unknownKey"
        for component in path.split(separator: ".").reversed() {
            let isArray = component.hasSuffix("[]")
            let name = isArray ? component.dropLast(2) : component
            json = #"{"\#(name)": \#(isArray ? "[\(json)]" : json)}"#
            errorPath = "\(name)\(isArray ? "[0]" : "").\(errorPath)"
        }
        if !path.isEmpty { json = #"{"upstream": "http://127.0.0.1:8000", "# + json.dropFirst() }
        do {
            let config = try ConfigLoader.parse(Array(json.utf8), baseDirectory: "/srv/site")
            Issue.record("\(json) was accepted: \(config)")
        } catch {
            let refusal = try #require(error.error(at: errorPath), "\(error)")
            #expect(refusal.message.hasSuffix("known keys here: \(section.keys.joined(separator: ", "))"))
        }
    }
}
