/// What an `await` waits on: one command, all of several (`and`), or the first of several (`or`).
@BinaryWritable
@BinaryReadable
public indirect enum StepSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    case command(String)
    case all([StepSpec])
    case any([StepSpec])

    public var description: String {
        switch self {
        case .command(let id): "await \(id)"
        case .all(let steps): "await all of [\(steps.map(\.description).joined(separator: ", "))]"
        case .any(let steps): "await first of [\(steps.map(\.description).joined(separator: ", "))]"
        }
    }

    /// Every command id the step depends on.
    public var commandIds: [String] {
        switch self {
        case .command(let id): [id]
        case .all(let steps), .any(let steps): steps.flatMap(\.commandIds)
        }
    }
}
