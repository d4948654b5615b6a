/// A command sent only to learn whether the user's ACL lets it run (see `PermissionCheck`): its reply, even
/// an error other than `NOPERM`, is ignored.
struct PermissionProbe: RedisRequest {
    /// The name the ACL knows (`xautoclaim`, `client|unblock`).
    var permission: String
    var arguments: [String]

    init(_ permission: String, _ arguments: [String]) {
        self.permission = permission
        self.arguments = arguments
    }

    var name: String { arguments.prefix(2).joined(separator: " ") }
    var keys: [String] { [] }

    func encode(into command: inout RedisCommand) {
        command.append(contentsOf: arguments)
    }

    func decode(_ reply: RedisReply) throws(RedisError) {}
}
