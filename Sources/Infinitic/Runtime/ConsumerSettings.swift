/// How a role consumes its topic: handlers running at once, messages per read, how long a silent consumer
/// keeps a message, and after how many deliveries a failing message goes to the dead letters.
public struct ConsumerSettings: Sendable, Hashable {
    /// Handlers running at once (for a service executor: tasks executing at once).
    public var concurrency: Int
    public var batchSize: Int
    public var visibilityTimeout: Duration
    public var maxDeliveries: Int

    public init(
        concurrency: Int = 32, batchSize: Int = 100, visibilityTimeout: Duration = .seconds(30), maxDeliveries: Int = 10
    ) {
        self.concurrency = concurrency
        self.batchSize = batchSize
        self.visibilityTimeout = visibilityTimeout
        self.maxDeliveries = maxDeliveries
    }

    /// The subscription of `group` to `topic` with these settings.
    func subscription(
        topic: Topic, group: String, consumer: String, prefetch: StatePrefetch? = nil
    ) -> Subscription {
        Subscription(
            topic: topic, group: group, consumer: consumer, concurrency: concurrency,
            batchSize: batchSize, visibilityTimeout: visibilityTimeout, maxDeliveries: maxDeliveries,
            prefetch: prefetch)
    }
}
