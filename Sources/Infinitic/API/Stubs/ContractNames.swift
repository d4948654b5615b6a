import Synchronization

/// The default names of contracts (a service's or workflow's name when its stub gives none), by contract type.
/// `String(describing:)` reflects on the type at each call (a `Mirror` and new strings), and a name is read at
/// every stub call a workflow makes: each type's is computed once.
enum ContractNames {
    private static let names = Mutex<[ObjectIdentifier: String]>([:])

    /// `String(describing: type)`, computed once per type.
    static func name(of type: Any.Type) -> String {
        let id = ObjectIdentifier(type)
        if let name = names.withLock({ $0[id] }) { return name }
        let name = String(describing: type)
        names.withLock { $0[id] = name }
        return name
    }
}
