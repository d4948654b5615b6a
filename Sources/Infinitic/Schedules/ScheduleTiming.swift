import Foundation

/// When a schedule is due: a cron expression (UTC, whole minutes) or a fixed interval.
///
/// ```swift
/// try .cron("0 2 * * *")          // every day at 02:00 UTC
/// try .every(.seconds(30))        // at :00 and :30 of every minute (intervals count from the Unix epoch)
/// try .every(.seconds(3600), from: start)
/// ```
public struct ScheduleTiming: Sendable, Hashable, Codable, CustomStringConvertible {
    enum Kind: Sendable, Hashable, Codable {
        case cron(String)
        /// Due at `anchor + k * interval` (milliseconds since the Unix epoch), for every k ≥ 0.
        case interval(milliseconds: Int64, anchor: Int64)
    }

    let kind: Kind

    /// A 5-field cron expression evaluated in UTC (see `CronExpression`); throws `CronExpression.ParseError`.
    public static func cron(_ expression: String) throws -> ScheduleTiming {
        _ = try CronExpression(expression)
        return ScheduleTiming(kind: .cron(expression))
    }

    /// Every `interval` (at least a millisecond), counted from `start` (by default the Unix epoch, so that
    /// `.every(.seconds(1))` is due at every whole second and `.every(.seconds(3600))` at every whole hour, UTC).
    /// Nothing is due before `start`.
    public static func every(_ interval: Duration, from start: Date? = nil) throws -> ScheduleTiming {
        let milliseconds = interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000
        guard milliseconds > 0 else {
            throw InfiniticError(.invalidUsage, "a schedule interval must be at least a millisecond, not \(interval)")
        }
        let anchor = start.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) } ?? 0
        return ScheduleTiming(kind: .interval(milliseconds: milliseconds, anchor: anchor))
    }

    public var description: String {
        switch kind {
        case .cron(let expression): "cron '\(expression)' (UTC)"
        case .interval(let milliseconds, let anchor):
            anchor == 0 ? "every \(milliseconds) ms" : "every \(milliseconds) ms from \(Schedules.date(anchor))"
        }
    }

    /// The first due instant strictly after `date` (milliseconds since the Unix epoch).
    func nextDue(after date: Date) -> Int64? {
        switch kind {
        case .cron(let expression):
            return (try? CronExpression(expression))?.next(after: date).map(Schedules.milliseconds)
        case .interval(let interval, let anchor):
            let now = Schedules.milliseconds(date)
            guard now >= anchor else { return anchor }
            return anchor + ((now - anchor) / interval + 1) * interval
        }
    }

    /// The last due instant at or before `date` (milliseconds since the Unix epoch).
    func latestDue(notAfter date: Date) -> Int64? {
        switch kind {
        case .cron(let expression):
            return (try? CronExpression(expression))?.latest(notAfter: date).map(Schedules.milliseconds)
        case .interval(let interval, let anchor):
            let now = Schedules.milliseconds(date)
            guard now >= anchor else { return nil }
            return anchor + (now - anchor) / interval * interval
        }
    }

    /// The first due instant strictly after `date`.
    public func next(after date: Date) -> Date? { nextDue(after: date).map(Schedules.date) }

    /// The last due instant at or before `date`.
    public func latest(notAfter date: Date) -> Date? { latestDue(notAfter: date).map(Schedules.date) }
}

/// What a tick does when the instance the previous tick started still runs.
public enum ScheduleOverlap: String, Sendable, Hashable, Codable {
    /// Start nothing: at most one instance of the schedule runs at a time (the schedule starts its instances
    /// with the custom id `customId:schedule:<name>`, so the check is the custom id's, see `CustomId`).
    case skip
    /// Start a new instance at every tick, whatever still runs.
    case allow
}

/// Naming helpers of schedules.
public enum Schedules {
    /// The workflow tag engine key holding every schedule of a workflow (one state value, so that creating,
    /// deleting and listing them is one atomic step of one key).
    public static let engineKey = "infinitic:schedules"

    /// The custom id tag of the instances of a schedule with the `skip` overlap policy.
    public static func customIdTag(_ scheduleName: String) -> String { "\(CustomId.prefix)schedule:\(scheduleName)" }

    /// The id of the instance a schedule starts for the tick due at `due`: the same in every process, so a
    /// tick handled twice cannot start two instances.
    public static func workflowId(workflowName: String, scheduleName: String, due: Date) -> String {
        workflowId(workflowName: workflowName, scheduleName: scheduleName, dueMilliseconds: milliseconds(due))
    }

    static func workflowId(workflowName: String, scheduleName: String, dueMilliseconds: Int64) -> String {
        StableId.make("schedule", workflowName, scheduleName, String(dueMilliseconds))
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) }
}
