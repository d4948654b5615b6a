import Synchronization

/// A stored field of a workflow: it persists across workflow tasks, is shared by the methods running on the
/// instance, and is snapshotted per step (a method resuming after a step sees the values as they were then).
///
/// ```swift
/// struct BookTripImpl: BookTrip {
///     let context: WorkflowContext
///     @WorkflowProperty("attempts") var attempts = 0
///     func run(_ trip: Trip) async throws -> TripResult { attempts += 1; ... }
/// }
/// ```
///
/// The name identifies the value in the workflow's state: keep it when renaming the field. Outside a replay
/// (in a plain unit test of the implementation) it behaves as an ordinary stored value.
@propertyWrapper
public struct WorkflowProperty<Value: Codable & Sendable>: Sendable {
    public let name: String
    private let defaultValue: Value
    private let localValue: LocalValue

    public init(wrappedValue: Value, _ name: String) {
        self.name = name
        self.defaultValue = wrappedValue
        self.localValue = LocalValue(wrappedValue)
    }

    public var wrappedValue: Value {
        get {
            guard let execution = WorkflowExecution.current else { return localValue.value }
            return execution.property(name, as: Value.self) ?? defaultValue
        }
        nonmutating set {
            guard let execution = WorkflowExecution.current else {
                localValue.value = newValue
                return
            }
            execution.setProperty(name, to: newValue)
        }
    }

    /// The value outside a replay.
    private final class LocalValue: Sendable {
        private let storage: Mutex<Value>

        init(_ value: Value) {
            storage = Mutex(value)
        }

        var value: Value {
            get { storage.withLock { $0 } }
            set { storage.withLock { $0 = newValue } }
        }
    }
}
