import Foundation

extension HiredisContext {
    /// Prepares a new connection as `configuration` says (authentication, database, name) and returns its
    /// server-side id. Refused credentials are `.authenticationFailed` (also a missing password: `NOAUTH`), a
    /// setup command the user may not run `.noPermission`, any other failure `.connectionFailed`: nothing of the
    /// caller's was sent yet.
    func handshake(_ configuration: RedisConfiguration) throws(RedisError) -> Int {
        func setup<Request: RedisRequest>(_ request: Request, what: String) throws(RedisError) -> Request.Response {
            do {
                return try send(request)
            } catch {
                let prefix = error.serverErrorPrefix
                if prefix == "NOAUTH" || (error.code == .server && request is AUTH) {
                    throw RedisError(.authenticationFailed, "\(what) failed: \(error.message)")
                }
                if prefix == "NOPERM" { throw RedisError(.noPermission, "\(what) failed: \(error.message)") }
                throw RedisError(.connectionFailed, "\(what) failed: \(error.message)")
            }
        }
        if let password = configuration.password {
            try setup(AUTH(username: configuration.username, password: password), what: "authentication")
        }
        if configuration.database != 0 {
            try setup(SELECT(configuration.database), what: "SELECT \(configuration.database)")
        }
        if let name = configuration.clientName {
            try setup(CLIENT.SETNAME(name.replacingOccurrences(of: " ", with: "-")), what: "CLIENT SETNAME")
        }
        return try setup(CLIENT.ID(), what: "CLIENT ID")
    }
}
