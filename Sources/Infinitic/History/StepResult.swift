/// The value of a completed step, shaped like its `StepSpec`.
@BinaryWritable
@BinaryReadable
public indirect enum StepResult: Sendable, Hashable, Codable {
    case value(Payload)
    /// The results of an `and`, in declaration order.
    case all([StepResult])
    /// The result of an `or`: which branch completed first, and its result.
    case first(index: Int, result: StepResult)
}
