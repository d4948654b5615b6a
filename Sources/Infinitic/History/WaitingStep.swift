/// The `await` a method is blocked on.
public struct WaitingStep: Sendable, Hashable, Codable {
    public var position: Int
    public var step: StepSpec

    public init(position: Int, step: StepSpec) {
        self.position = position
        self.step = step
    }
}

extension WaitingStep: BinaryKeyedWritable {
    func writeFields(_ fields: inout BinaryFields) throws {
        try fields.field("position", position)
        try fields.field("step", step)
    }
}
