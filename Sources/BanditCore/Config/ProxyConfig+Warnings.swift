extension ProxyConfig {
    /// What this configuration leaves open that an operator may not mean to: printed by
    /// `validate` and logged at warning level when the proxy starts.
    public var securityWarnings: [String] {
        var warnings: [String] = []
        if adminToken == nil, !listen.isLoopbackOnly {
            warnings.append(
                "listen \(listen) takes connections from other hosts and adminToken is not set: "
                    + "/__bandits (dashboard, JSON API, CSV, metrics and the admin actions) answers without a password "
                    + "every program on this host and every request a front proxy here relays without naming "
                    + "its client in X-Forwarded-For, Forwarded or X-Real-IP; other hosts get 403. "
                    + "Set adminToken (e.g. \"${BANDIT_ADMIN_TOKEN}\") to use it from elsewhere.")
        }
        return warnings
    }
}

extension HostPort {
    /// Only this machine can connect: a loopback address or `localhost`.
    public var isLoopbackOnly: Bool {
        host.lowercased() == "localhost" || ForwardedClient.isLoopback(host)
    }
}
