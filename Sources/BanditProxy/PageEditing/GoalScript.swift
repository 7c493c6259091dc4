import BanditCore
import Foundation

/// The script behind click and submit goals (`{"click": "a.cta"}`): one small file for the
/// whole configuration, served from `/__bandits/goals/<version>.js` and added to the HTML
/// pages of the sessions in such an experiment. It listens on the document (event delegation,
/// so elements added later count too) and reports a matching click or submission with the
/// conversion beacon, at most once per experiment and page; the beacon itself counts a
/// session's conversion once.
struct GoalScript: Sendable {
    /// The script's text; empty when no experiment has such a goal.
    let body: [UInt8]
    /// Names the text: a new configuration with other goals gets a new URL, so the old one
    /// may be cached for ever (`immutable`).
    let version: String

    static let pathPrefix = AdminRouter.prefix + "/goals/"

    init(experiments: [ExperimentRuntime]) {
        var goals: [String: [[String]]] = [:]
        for experiment in experiments where !experiment.config.elementGoals.isEmpty {
            goals[experiment.name] = experiment.config.elementGoals.map { [$0.event.rawValue, $0.selector.text] }
        }
        guard !goals.isEmpty else {
            body = []
            version = "none"
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // JSON is a JavaScript expression; selectors and names are only ever data in it.
        let table = (try? encoder.encode(goals)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let text = Self.template.replacingOccurrences(of: "GOALS", with: table)
        body = Array(text.utf8)
        version = Self.fingerprint(body)
    }

    /// Where a page loads it from.
    var path: String { Self.pathPrefix + version + ".js" }

    /// The tag added at the end of a page's `head`: the experiments the session may still
    /// convert in, and the policy's nonce where its Content-Security-Policy asks for one.
    func tag(experiments: [String], nonce: String?) -> String {
        var tag = "<script src=\"\(path)\" data-experiments=\"\(experiments.joined(separator: " "))\""
        if let nonce { tag += " nonce=\"\(HTML.escape(nonce))\"" }
        return tag + " defer></script>"
    }

    /// The tag for a page of a session in `experiments` (indices; none: nil), counting the
    /// page for each of them as given the script or as blocked by its Content-Security-Policy.
    func tag(for head: UpstreamResponseHead, experiments: [Int], engine: ExperimentEngine, host: String?) -> String? {
        guard !experiments.isEmpty, !body.isEmpty else { return nil }
        let verdict = ContentSecurityPolicy.goalScript(
            header: head.joinedValues(of: "content-security-policy", separator: ","), host: host)
        for index in experiments { engine.experiments[index].recordGoalScript(blocked: verdict == .blocked) }
        guard case .allowed(let nonce) = verdict else { return nil }
        return tag(experiments: experiments.map { engine.experiments[$0].name }, nonce: nonce)
    }

    /// `GET /__bandits/goals/<version>.js`. An older version (a page cached across a reload)
    /// gets today's script, but not for ever.
    func response(for file: String) -> AdminResponse {
        guard !body.isEmpty else { return .error(404, "no experiment has a click or submit goal") }
        let current = file == version + ".js"
        let caching = current ? "public, max-age=31536000, immutable" : "no-cache"
        return AdminResponse(
            status: 200,
            headers: [
                ("Content-Type", "text/javascript; charset=utf-8"), ("Cache-Control", caching),
                ("ETag", "\"\(version)\""), ("X-Content-Type-Options", "nosniff"),
            ],
            body: body)
    }

    /// FNV-1a, 64 bits, in hex: enough to tell two versions of the script apart.
    private static func fingerprint(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    /// Capture phase: a site's own handler that stops the event's propagation must not hide
    /// the conversion. `sendBeacon` survives the page being left, as a click on a link or a
    /// form's submission does; `fetch` with `keepalive` where it is missing or refuses.
    private static let template = """
        (function () {
          "use strict";
          var goals = GOALS;
          var script = document.currentScript;
          var names = ((script && script.getAttribute("data-experiments")) || "").split(" ");
          var sent = {};
          function report(name) {
            sent[name] = true;
            var url = "/__bandits/convert?experiment=" + encodeURIComponent(name);
            if (!(navigator.sendBeacon && navigator.sendBeacon(url))) {
              fetch(url, { method: "POST", keepalive: true, credentials: "same-origin" }).catch(function () {});
            }
          }
          function matches(element, selector) {
            try { return element.closest(selector) !== null; } catch (error) { return false; }
          }
          function listen(type) {
            document.addEventListener(type, function (event) {
              var target = event.target;
              if (!target || !target.closest) return;
              names.forEach(function (name) {
                var list = goals[name];
                if (!list || sent[name]) return;
                for (var i = 0; i < list.length; i++) {
                  if (list[i][0] === type && matches(target, list[i][1])) { report(name); return; }
                }
              });
            }, true);
          }
          listen("click");
          listen("submit");
        })();

        """
}
