/// The kind of device a `User-Agent` names, as far as a segment needs: tokens every major
/// browser sends (the same ones analytics tools go by), no database of models.
public enum DeviceClass: String, Sendable, CaseIterable {
    /// A phone, a tablet (iPad, Android without `Mobile`, Kindle), or anything else a person uses.
    case mobile, tablet, desktop
    /// A crawler, a monitoring probe or a script, or no `User-Agent` at all.
    case bot

    /// Tokens of crawlers and tools; matched in lowercase anywhere in the string.
    static let botTokens = [
        "bot", "crawl", "spider", "slurp", "preview", "monitor", "headless", "curl/", "wget/", "python",
        "go-http-client", "java/", "okhttp", "libwww", "httpclient", "axios/", "node-fetch", "lighthouse",
    ]

    /// Classifies a `User-Agent` value; nil or empty is a bot.
    public init(userAgent: String?) {
        guard let userAgent, !userAgent.isEmpty else {
            self = .bot
            return
        }
        let agent = userAgent.lowercased()
        if Self.botTokens.contains(where: agent.contains) {
            self = .bot
        } else if agent.contains("ipad") || agent.contains("tablet") || agent.contains("kindle")
            || agent.contains("silk/") || (agent.contains("android") && !agent.contains("mobile"))
        {
            // Android tablets leave "Mobile" out; phones send it (Google's own guidance).
            self = .tablet
        } else if agent.contains("mobile") || agent.contains("iphone") || agent.contains("ipod")
            || agent.contains("android") || agent.contains("windows phone") || agent.contains("opera mini")
        {
            self = .mobile
        } else {
            self = .desktop
        }
    }
}
