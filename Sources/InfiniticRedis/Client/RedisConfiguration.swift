/// How to reach a Redis server and how connections behave. Build it from a URL or field by field.
public struct RedisConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// ACL user name (`AUTH user password`); nil authenticates as the default user.
    public var username: String?
    public var password: String?
    /// The logical database (`SELECT`); 0 by default.
    public var database: Int
    public var connectTimeout: Duration
    /// The longest wait for a reply on ordinary connections; nil waits forever.
    /// Blocking reads use their own connection whose read timeout is derived from the block time.
    public var readTimeout: Duration?
    /// First and longest pause between reconnection attempts (doubling in between).
    public var reconnectBackoff: ClosedRange<Duration>
    /// Connections in the shared pool (blocking reads get dedicated connections on top).
    public var poolSize: Int
    /// The name shown by `CLIENT LIST`.
    public var clientName: String?
    /// The nodes to discover a Redis Cluster from (`CLUSTER SLOTS`); nil for a single server at `host`:`port`.
    /// With a cluster, every command goes to the master of its keys' slot, following `MOVED` and `ASK`.
    public var clusterSeeds: [RedisEndpoint]?

    /// Whether this configuration names a Redis Cluster.
    public var isCluster: Bool { clusterSeeds != nil }

    public init(
        host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil,
        database: Int = 0, connectTimeout: Duration = .seconds(5), readTimeout: Duration? = .seconds(30),
        reconnectBackoff: ClosedRange<Duration> = .milliseconds(50) ... .seconds(5), poolSize: Int = 2,
        clientName: String? = nil, clusterSeeds: [RedisEndpoint]? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.reconnectBackoff = reconnectBackoff
        self.poolSize = max(1, poolSize)
        self.clientName = clientName
        self.clusterSeeds = clusterSeeds.map { $0.isEmpty ? [RedisEndpoint(host: host, port: port)] : $0 }
    }

    /// Parses `redis://[[user]:password@]host[:port][/database]`, or `redis+cluster://[[user]:password@]host:port,
    /// host:port,...` for a Redis Cluster discovered from those seed nodes (database 0 only).
    ///
    /// User and password may be percent-encoded. `rediss://` (TLS) and Unix sockets are refused with a clear
    /// error: hiredis 0.14 as shipped by Debian has no TLS.
    public init(url: String) throws(RedisError) {
        func invalid(_ why: String) -> RedisError {
            RedisError(.invalidConfiguration, "invalid Redis URL '\(Self.redacted(url))': \(why)")
        }
        guard let schemeEnd = url.range(of: "://") else { throw invalid("expected redis://host:port") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        if scheme == "rediss" { throw invalid("TLS (rediss://) is not supported by hiredis 0.14") }
        guard scheme == "redis" || scheme == "redis+cluster" else { throw invalid("unsupported scheme '\(scheme)'") }
        var rest = Substring(url[schemeEnd.upperBound...])
        self.init()

        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                let user = Self.percentDecoded(userInfo[..<colon])
                username = user.isEmpty ? nil : user
                password = Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
            } else {
                // `redis://secret@host` is the classic form for a password without a user.
                password = Self.percentDecoded(userInfo)
            }
        }
        if scheme == "redis+cluster" {
            let list = rest.split(separator: "/", maxSplits: 1).first ?? ""
            var seeds: [RedisEndpoint] = []
            for item in list.split(separator: ",") {
                guard let seed = RedisEndpoint(item) else { throw invalid("'\(item)' is not host:port") }
                seeds.append(seed)
            }
            guard let first = seeds.first else { throw invalid("expected redis+cluster://host:port,host:port") }
            host = first.host
            port = first.port
            clusterSeeds = seeds
            return
        }
        var hostPort = rest
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            let path = rest[rest.index(after: slash)...].split(separator: "?").first ?? ""
            if !path.isEmpty {
                guard let db = Int(path), db >= 0 else { throw invalid("database must be a non-negative number") }
                database = db
            }
        }
        if hostPort.hasPrefix("[") {  // IPv6 literal
            guard let close = hostPort.firstIndex(of: "]") else { throw invalid("unclosed IPv6 bracket") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw invalid("bad port") }
                port = p
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            guard let p = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(p) else {
                throw invalid("port must be a number between 1 and 65535")
            }
            port = p
        } else if !hostPort.isEmpty {
            host = String(hostPort)
        }
        if host.isEmpty { host = "127.0.0.1" }
    }

    /// The URL with any password masked, for logs and errors.
    public var redactedURL: String {
        var auth = ""
        if username != nil || password != nil {
            auth = "\(username ?? ""):\(password == nil ? "" : "***")@"
        }
        if let clusterSeeds {
            return "redis+cluster://\(auth)\(clusterSeeds.map(\.description).joined(separator: ","))"
        }
        return "redis://\(auth)\(host):\(port)/\(database)"
    }

    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url.lastIndex(of: "@"), at > schemeEnd.upperBound else {
            return url
        }
        return String(url[..<schemeEnd.upperBound]) + "***" + String(url[at...])
    }

    static func percentDecoded(_ text: Substring) -> String {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
                let value = UInt8(String(decoding: input[index + 1...index + 2], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
