import Foundation
import Infinitic
import Testing

/// The cron parser and its next/latest due computations (UTC), without any transport.
@Suite struct CronExpressionTests {
    static func utc(_ text: String) -> Date {
        guard let date = ISO8601DateFormatter().date(from: text) else { fatalError("bad fixture date \(text)") }
        return date
    }

    static func next(_ expression: String, after: String) throws -> Date? {
        try CronExpression(expression).next(after: utc(after))
    }

    @Test func nextDueInstants() throws {
        #expect(try Self.next("*/15 * * * *", after: "2026-12-01T10:07:30Z") == Self.utc("2026-12-01T10:15:00Z"))
        #expect(try Self.next("* * * * *", after: "2026-12-01T10:07:00Z") == Self.utc("2026-12-01T10:08:00Z"))
        #expect(try Self.next("0 2 * * *", after: "2026-12-01T02:00:00Z") == Self.utc("2026-12-02T02:00:00Z"))
        #expect(try Self.next("0 2 * * *", after: "2026-12-31T03:00:00Z") == Self.utc("2027-01-01T02:00:00Z"))
        // Every day in February 29th: the next leap year.
        #expect(try Self.next("0 0 29 2 *", after: "2026-03-01T00:00:00Z") == Self.utc("2028-02-29T00:00:00Z"))
        // 2026-12-04 is a Friday: the next weekday morning is Monday the 7th.
        #expect(try Self.next("0 9 * * MON-FRI", after: "2026-12-04T10:00:00Z") == Self.utc("2026-12-07T09:00:00Z"))
        // 0 and 7 are both Sunday (2026-12-06).
        #expect(try Self.next("30 8 * * 7", after: "2026-12-01T00:00:00Z") == Self.utc("2026-12-06T08:30:00Z"))
        #expect(try Self.next("30 8 * * SUN", after: "2026-12-01T00:00:00Z") == Self.utc("2026-12-06T08:30:00Z"))
        // Both days restricted: either matches (the 13th, or a Friday: the 4th comes first).
        #expect(try Self.next("0 0 13 * FRI", after: "2026-12-01T00:00:00Z") == Self.utc("2026-12-04T00:00:00Z"))
        // A day of the week given with a star step restricts by the week only.
        #expect(try Self.next("0 0 */1 * FRI", after: "2026-12-01T00:00:00Z") == Self.utc("2026-12-04T00:00:00Z"))
        #expect(try Self.next("0 0 1 JAN,jul *", after: "2026-12-01T00:00:00Z") == Self.utc("2027-01-01T00:00:00Z"))
        #expect(try Self.next("10-20/5 * * * *", after: "2026-12-01T10:15:00Z") == Self.utc("2026-12-01T10:20:00Z"))
        #expect(try Self.next("50/5 * * * *", after: "2026-12-01T10:56:00Z") == Self.utc("2026-12-01T11:50:00Z"))
        #expect(try Self.next("1,2,58 * * * *", after: "2026-12-01T10:02:00Z") == Self.utc("2026-12-01T10:58:00Z"))
        #expect(try Self.next("@hourly", after: "2026-12-01T10:02:00Z") == Self.utc("2026-12-01T11:00:00Z"))
        #expect(try Self.next("@weekly", after: "2026-12-01T10:02:00Z") == Self.utc("2026-12-06T00:00:00Z"))
        #expect(try Self.next("@yearly", after: "2026-12-01T10:02:00Z") == Self.utc("2027-01-01T00:00:00Z"))
    }

    @Test func latestDueInstants() throws {
        let cron = try CronExpression("*/15 * * * *")
        #expect(cron.latest(notAfter: Self.utc("2026-12-01T10:07:30Z")) == Self.utc("2026-12-01T10:00:00Z"))
        #expect(cron.latest(notAfter: Self.utc("2026-12-01T10:15:00Z")) == Self.utc("2026-12-01T10:15:00Z"))
        let weekdays = try CronExpression("0 9 * * MON-FRI")
        #expect(weekdays.latest(notAfter: Self.utc("2026-12-07T08:00:00Z")) == Self.utc("2026-12-04T09:00:00Z"))
        #expect(
            try CronExpression("0 0 1 1 *").latest(notAfter: Self.utc("2026-12-01T00:00:00Z"))
                == Self.utc("2026-01-01T00:00:00Z"))
    }

    /// next and latest agree with a minute-by-minute scan of `matches`, and `matches` with the calendar.
    @Test(arguments: [
        "*/7 3-5 * * *", "0 0 13 * FRI", "15 */6 1-10/3 * MON,WED", "59 23 28-31 * *", "0 12 * FEB-MAR SAT",
    ])
    func agreesWithAScan(_ expression: String) throws {
        let cron = try CronExpression(expression)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var date = Self.utc("2027-01-25T00:00:00Z")
        var matched: [Date] = []
        for _ in 0..<(60 * 24 * 60) {
            if cron.matches(date) { matched.append(date) }
            date += 60
        }
        #expect(!matched.isEmpty)
        var cursor = Self.utc("2027-01-24T23:59:30Z")
        for expected in matched {
            let next = cron.next(after: cursor)
            #expect(next == expected)
            #expect(cron.latest(notAfter: expected + 59) == expected)
            cursor = expected
        }
        // A day of the week check with Foundation's calendar (Sunday is 1 there).
        if expression == "0 0 13 * FRI" {
            for match in matched {
                let parts = calendar.dateComponents([.day, .weekday], from: match)
                #expect(parts.day == 13 || parts.weekday == 6)
            }
        }
    }

    @Test func badExpressionsAreTypedErrors() {
        func reason(_ expression: String) -> CronExpression.ParseError? {
            do {
                _ = try CronExpression(expression)
                return nil
            } catch let error as CronExpression.ParseError {
                return error
            } catch {
                return nil
            }
        }
        #expect(reason("* * * *")?.reason == .wrongFieldCount(4))
        #expect(reason("* * * * * *")?.reason == .wrongFieldCount(6))
        #expect(reason("60 * * * *")?.reason == .outOfRange(60, 0...59))
        #expect(reason("60 * * * *")?.field == .minute)
        #expect(reason("0 24 * * *")?.field == .hour)
        #expect(reason("0 0 0 * *")?.reason == .outOfRange(0, 1...31))
        #expect(reason("0 0 * 13 *")?.field == .month)
        #expect(reason("0 0 * * 8")?.field == .dayOfWeek)
        #expect(reason("x * * * *")?.reason == .invalidValue("x"))
        #expect(reason("0 0 * FOO *")?.reason == .invalidValue("FOO"))
        #expect(reason("*/0 * * * *")?.reason == .invalidStep("0"))
        #expect(reason("*/x * * * *")?.reason == .invalidStep("x"))
        #expect(reason("5-1 * * * *")?.reason == .invalidRange("5-1"))
        #expect(reason("1,,2 * * * *")?.reason == .invalidValue(""))
        #expect(reason("@often")?.reason == .unknownMacro("@often"))
        #expect(reason("0 0 30 2 *")?.reason == .neverMatches)
        #expect(reason("0 0 31 4,6 *")?.reason == .neverMatches)
        #expect(reason("0 0 30 2 MON") == nil, "restricted both: Mondays of February match")
        #expect(
            "\(reason("61 * * * *")!)" == "invalid cron expression '61 * * * *' in the minute field: 61 is outside 0-59"
        )
    }

    @Test func intervalsCountFromTheirStart() throws {
        let everySecond = try ScheduleTiming.every(.seconds(1))
        #expect(everySecond.next(after: Self.utc("2026-12-01T10:00:00Z")) == Self.utc("2026-12-01T10:00:01Z"))
        #expect(everySecond.next(after: Self.utc("2026-12-01T10:00:00Z") + 0.25) == Self.utc("2026-12-01T10:00:01Z"))
        #expect(
            everySecond.latest(notAfter: Self.utc("2026-12-01T10:00:00Z") + 0.75) == Self.utc("2026-12-01T10:00:00Z"))
        let start = Self.utc("2026-12-01T10:00:00Z") + 0.5
        let fromStart = try ScheduleTiming.every(.seconds(600), from: start)
        #expect(fromStart.next(after: Self.utc("2026-11-01T00:00:00Z")) == start, "nothing before the start")
        #expect(fromStart.latest(notAfter: Self.utc("2026-11-01T00:00:00Z")) == nil)
        #expect(fromStart.next(after: start) == start + 600)
        #expect(fromStart.latest(notAfter: start + 1199) == start + 600)
        #expect(throws: InfiniticError.self) { try ScheduleTiming.every(.zero) }
        #expect(throws: CronExpression.ParseError.self) { try ScheduleTiming.cron("* *") }
        let cron = try ScheduleTiming.cron("0 * * * *")
        #expect(cron.next(after: Self.utc("2026-12-01T10:00:00Z")) == Self.utc("2026-12-01T11:00:00Z"))
    }
}
