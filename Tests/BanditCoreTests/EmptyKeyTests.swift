import Testing

@testable import BanditCore

/// Regression found by `ConfigLoaderProperties`: an unknown key that is the empty string was
/// reported with an empty key path ("unknown key; known keys here: …"), which at the top
/// level named no place at all. It is now shown as `""`.
@Suite struct EmptyKeyTests {
    @Test(arguments: [
        (#"{"upstream": "http://app", "": 1}"#, #""""#),
        (#"{"upstream": "http://app", "session": {"": 1}}"#, #"session."""#),
        (
            #"{"upstream": "http://app", "experiments": [{"name": "e", "source": "/", "target": "/t", "": 1}]}"#,
            #"experiments[0]."""#
        ),
    ])
    func anEmptyUnknownKeyIsNamed(document: String, keyPath: String) {
        do {
            let config = try ConfigLoader.parse(Array(document.utf8), baseDirectory: "/srv")
            Issue.record("accepted: \(config)")
        } catch {
            #expect(error.errors.map(\.keyPath) == [keyPath], "\(error)")
        }
    }
}
