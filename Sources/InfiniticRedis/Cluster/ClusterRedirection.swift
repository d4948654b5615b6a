/// What a Redis Cluster error reply asks the client to do.
enum ClusterRedirection: Equatable {
    /// `MOVED slot host:port`: the slot lives there now; update the map and resend.
    case moved(slot: Int, to: RedisEndpoint)
    /// `ASK slot host:port`: during a migration, resend this command once there, preceded by `ASKING`.
    case ask(slot: Int, to: RedisEndpoint)
    /// `TRYAGAIN`, `CLUSTERDOWN`, or a script that met a key being migrated: wait a little and resend.
    case retryLater

    /// The redirection an error reply asks for, if it is one.
    init?(_ reply: RedisReply) {
        guard case .error(let message) = reply else { return nil }
        let words = message.split(separator: " ")
        switch words.first {
        case "MOVED", "ASK":
            guard words.count == 3, let slot = Int(words[1]), (0..<HashSlot.count).contains(slot),
                let endpoint = RedisEndpoint(words[2])
            else { return nil }
            self = words[0] == "MOVED" ? .moved(slot: slot, to: endpoint) : .ask(slot: slot, to: endpoint)
        case "TRYAGAIN", "CLUSTERDOWN":
            self = .retryLater
        default:
            // A script touching a key of a slot being migrated away (Redis checks each call inside the script).
            if message.contains("Script attempted to access a non local key in a cluster node") {
                self = .retryLater
            } else {
                return nil
            }
        }
    }
}
