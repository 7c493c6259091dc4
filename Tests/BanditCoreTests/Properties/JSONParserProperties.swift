import PropertyBased
import Testing

@testable import BanditCore

/// The config file's own JSON parser: every spelling of a value reads back as that value,
/// and anything else is refused with a position inside the text, never a crash.
@Suite struct JSONParserProperties {
    @Test func anyValueWrittenAnyValidWayParsesBackToItself() async throws {
        await propertyCheck(count: 300, input: JSONGen.documents) { document in
            let parsed = try JSONParser.parse(Array(document.text.utf8))
            #expect(parsed == document.value)
        }
    }

    @Test func everyProperPrefixOfAnObjectOrArrayIsRefusedWithAPositionInIt() async {
        await propertyCheck(count: 300, input: JSONGen.containers, Gen.double(in: 0..<1)) { document, fraction in
            let bytes = Array(document.text.utf8)
            let prefix = Array(bytes.prefix(Int(fraction * Double(bytes.count))))
            do throws(JSONSyntaxError) {
                let value = try JSONParser.parse(prefix)
                Issue.record("a prefix parsed as \(value): \(String(decoding: prefix, as: UTF8.self).debugDescription)")
            } catch {
                #expect(Self.isInside(error, prefix), "\(error)")
            }
        }
    }

    @Test func randomBytesParseOrFailWithAPositionInsideThem() async {
        // Mostly JSON's own characters, so the parser gets past the first byte.
        let jsonish =
            Array("{}[],:\"\\u0123456789abcdefEe.+-truefalsnl \n\t".utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xFF]
        let bytes = Gen<UInt8?>.element(of: jsonish).map { $0! }.array(of: 0...60)
        await propertyCheck(count: 1000, input: bytes) { bytes in
            do throws(JSONSyntaxError) {
                _ = try JSONParser.parse(bytes)
            } catch {
                #expect(Self.isInside(error, bytes), "\(error)")
            }
        }
    }

    @Test func nestingIsRefusedBeyondSixtyFourLevels() async {
        await propertyCheck(count: 100, input: Gen.int(in: 1...300), Gen.bool) { depth, useObjects in
            let open =
                useObjects ? String(repeating: "{\"k\":", count: depth - 1) + "{" : String(repeating: "[", count: depth)
            let close = String(repeating: useObjects ? "}" : "]", count: depth)
            let parsed = try? JSONParser.parse(Array((open + close).utf8))
            #expect((parsed != nil) == (depth <= 64), "depth \(depth)")
        }
    }

    @Test func aDuplicateKeyIsReportedAtItsKeyPath() async {
        let objects = JSONGen.documents.filter { JSONTree.objectPaths(in: $0.value).count > 0 }
        await propertyCheck(count: 300, input: objects, Gen.int(in: 0...1000)) { document, choice in
            // Repeat the first key of some object (adding a key to one without any).
            let paths = JSONTree.objectPaths(in: document.value)
            let path = paths[choice % paths.count]
            guard case .object(let members) = JSONTree.value(at: path, in: document.value) else { return }
            let key = members.first?.key ?? "k"
            let doubled = JSONTree.replacing(
                at: path, in: document.value,
                with: .object(members + [(key: key, value: .null), (key: key, value: .null)]))
            var rng = SplitMix64(seed: UInt64(choice))
            do throws(JSONSyntaxError) {
                _ = try JSONParser.parse(Array(JSONGen.write(doubled, using: &rng).utf8))
                Issue.record("the duplicate key \(key) at \(JSONTree.keyPath(path)) was accepted")
            } catch {
                #expect(error.keyPath == JSONTree.keyPath(path + [.key(key)]))
            }
        }
    }

    /// The error points at a line and column that exist in `bytes` (or just past its end).
    static func isInside(_ error: JSONSyntaxError, _ bytes: [UInt8]) -> Bool {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        guard error.line >= 1, error.line <= lines.count else { return false }
        let characters = lines[error.line - 1].filter { $0 & 0xC0 != 0x80 }.count
        return error.column >= 1 && error.column <= characters + 1
    }
}

/// Paths into a JSON value, and edits at them.
enum JSONTree {
    enum Step: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    /// Every path in `value` (the root is `[]`).
    static func paths(in value: JSONValue, at path: [Step] = []) -> [[Step]] {
        switch value {
        case .object(let members):
            [path] + members.flatMap { paths(in: $0.value, at: path + [.key($0.key)]) }
        case .array(let elements):
            [path] + elements.enumerated().flatMap { paths(in: $1, at: path + [.index($0)]) }
        default: [path]
        }
    }

    static func objectPaths(in value: JSONValue) -> [[Step]] {
        paths(in: value).filter {
            if case .object = self.value(at: $0, in: value) { true } else { false }
        }
    }

    static func value(at path: [Step], in value: JSONValue) -> JSONValue? {
        guard let step = path.first else { return value }
        switch (step, value) {
        case (.key(let key), .object(let members)):
            return members.first { $0.key == key }.flatMap { self.value(at: Array(path.dropFirst()), in: $0.value) }
        case (.index(let index), .array(let elements)) where elements.indices.contains(index):
            return self.value(at: Array(path.dropFirst()), in: elements[index])
        default: return nil
        }
    }

    /// `value` with the node at `path` replaced (or, with nil, removed from its object or array).
    static func replacing(at path: [Step], in value: JSONValue, with new: JSONValue?) -> JSONValue {
        guard let step = path.first else { return new ?? .null }
        let rest = Array(path.dropFirst())
        switch (step, value) {
        case (.key(let key), .object(let members)):
            if rest.isEmpty && new == nil { return .object(members.filter { $0.key != key }) }
            return .object(members.map { $0.key == key ? ($0.key, replacing(at: rest, in: $0.value, with: new)) : $0 })
        case (.index(let index), .array(var elements)) where elements.indices.contains(index):
            if rest.isEmpty && new == nil {
                elements.remove(at: index)
            } else {
                elements[index] = replacing(at: rest, in: elements[index], with: new)
            }
            return .array(elements)
        default: return value
        }
    }

    /// As the loader spells it: `experiments[1].name`.
    static func keyPath(_ path: [Step]) -> String {
        path.reduce(into: "") { result, step in
            switch step {
            case .index(let index): result += "[\(index)]"
            case .key(let key): result += result.isEmpty ? key : "." + key
            }
        }
    }
}
