/// The `await` a method is blocked on.
@BinaryWritable
@BinaryReadable
public struct WaitingStep: Sendable, Hashable, Codable {
    public var position: Int
    public var step: StepSpec

    public init(position: Int, step: StepSpec) {
        self.position = position
        self.step = step
    }
}
