import Foundation

/// A standard 5-field cron expression, evaluated in UTC: `minute hour day-of-month month day-of-week`.
///
/// Each field is `*`, a value, a range `a-b`, or a list of them separated by commas, each optionally with a
/// step (`*/15`, `1-30/2`, `5/10` = from 5 to the end by 10). Months accept `JAN`…`DEC`, days of the week
/// `SUN`…`SAT` (0 and 7 are both Sunday). The macros `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily`
/// (`@midnight`) and `@hourly` stand for their usual expressions. As in Vixie cron, when both the day of the
/// month and the day of the week are restricted (neither starts with `*`), a day matching either one matches.
///
/// ```swift
/// let cron = try CronExpression("*/15 9-17 * * MON-FRI")   // every quarter hour, office hours, UTC
/// let next = cron.next(after: Date())
/// ```
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let source: String
    private let minutes: UInt64
    private let hours: UInt64
    private let daysOfMonth: UInt64
    private let months: UInt64
    private let daysOfWeek: UInt64
    private let dayOfMonthRestricted: Bool
    private let dayOfWeekRestricted: Bool

    /// The fields of an expression, in order.
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case minute, hour, dayOfMonth, month, dayOfWeek

        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        var names: [String: Int] {
            switch self {
            case .month:
                Dictionary(
                    uniqueKeysWithValues: [
                        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
                    ]
                    .enumerated().map { ($1, $0 + 1) })
            case .dayOfWeek:
                Dictionary(
                    uniqueKeysWithValues: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"].enumerated().map {
                        ($1, $0)
                    })
            case .minute, .hour, .dayOfMonth: [:]
            }
        }
    }

    /// Why an expression does not parse.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public enum Reason: Sendable, Hashable {
            /// Not 5 fields (the count found).
            case wrongFieldCount(Int)
            /// A part that is not a number, a name, `*` or a range.
            case invalidValue(String)
            /// A value outside the field's range.
            case outOfRange(Int, ClosedRange<Int>)
            /// A range whose start is after its end.
            case invalidRange(String)
            /// A step that is not a positive number.
            case invalidStep(String)
            /// An unknown `@` macro.
            case unknownMacro(String)
            /// The day of the month never exists in the months given (such as `30 2`).
            case neverMatches
        }

        public let expression: String
        /// The field at fault, nil for the expression as a whole.
        public let field: Field?
        public let reason: Reason

        public var description: String {
            let place = field.map { " in the \($0.rawValue) field" } ?? ""
            let why =
                switch reason {
                case .wrongFieldCount(let count): "expected 5 fields, found \(count)"
                case .invalidValue(let text): "'\(text)' is not a value"
                case .outOfRange(let value, let range): "\(value) is outside \(range.lowerBound)-\(range.upperBound)"
                case .invalidRange(let text): "the range '\(text)' ends before it starts"
                case .invalidStep(let text): "the step '\(text)' is not a positive number"
                case .unknownMacro(let text): "unknown macro '\(text)'"
                case .neverMatches: "no day of the months given has that day of the month"
                }
            return "invalid cron expression '\(expression)'\(place): \(why)"
        }
    }

    /// Parses `expression`; throws `ParseError` when it is not a valid 5-field cron expression.
    public init(_ expression: String) throws {
        source = expression
        var text = expression.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("@") {
            switch text.lowercased() {
            case "@yearly", "@annually": text = "0 0 1 1 *"
            case "@monthly": text = "0 0 1 * *"
            case "@weekly": text = "0 0 * * 0"
            case "@daily", "@midnight": text = "0 0 * * *"
            case "@hourly": text = "0 * * * *"
            default: throw ParseError(expression: expression, field: nil, reason: .unknownMacro(text))
            }
        }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw ParseError(expression: expression, field: nil, reason: .wrongFieldCount(parts.count))
        }
        minutes = try Self.parse(parts[0], .minute, expression)
        hours = try Self.parse(parts[1], .hour, expression)
        daysOfMonth = try Self.parse(parts[2], .dayOfMonth, expression)
        months = try Self.parse(parts[3], .month, expression)
        var week = try Self.parse(parts[4], .dayOfWeek, expression)
        if week & (1 << 7) != 0 { week = (week | 1) & ~(1 << 7) }  // 7 is Sunday too
        daysOfWeek = week
        dayOfMonthRestricted = !parts[2].hasPrefix("*")
        dayOfWeekRestricted = !parts[4].hasPrefix("*")
        if dayOfMonthRestricted, !dayOfWeekRestricted {
            let possible = (1...12).contains { month in
                months & (1 << month) != 0
                    && (1...Self.longestMonth(month)).contains { daysOfMonth & (1 << $0) != 0 }
            }
            if !possible { throw ParseError(expression: expression, field: .dayOfMonth, reason: .neverMatches) }
        }
    }

    public var description: String { source }

    /// The first matching minute strictly after `date` (cron instants are whole minutes, UTC); nil if none
    /// within the next 30 years.
    public func next(after date: Date) -> Date? {
        let start = Int64((date.timeIntervalSince1970 / 60).rounded(.down)) + 1
        var day = Self.floorDiv(start, 1440)
        var from = Int(start - day * 1440)
        for _ in 0..<(366 * 30) {
            if matches(day: day), let minute = firstMinute(from: from) {
                return Date(timeIntervalSince1970: TimeInterval((day * 1440 + Int64(minute)) * 60))
            }
            day += 1
            from = 0
        }
        return nil
    }

    /// The last matching minute at or before `date`; nil if none within the previous 30 years.
    public func latest(notAfter date: Date) -> Date? {
        let end = Int64((date.timeIntervalSince1970 / 60).rounded(.down))
        var day = Self.floorDiv(end, 1440)
        var upTo = Int(end - day * 1440)
        for _ in 0..<(366 * 30) {
            if matches(day: day), let minute = lastMinute(upTo: upTo) {
                return Date(timeIntervalSince1970: TimeInterval((day * 1440 + Int64(minute)) * 60))
            }
            day -= 1
            upTo = 1439
        }
        return nil
    }

    /// Whether `date` (to the minute) matches.
    public func matches(_ date: Date) -> Bool {
        let minute = Int64((date.timeIntervalSince1970 / 60).rounded(.down))
        let day = Self.floorDiv(minute, 1440)
        let ofDay = Int(minute - day * 1440)
        return matches(day: day) && hours & (1 << (ofDay / 60)) != 0 && minutes & (1 << (ofDay % 60)) != 0
    }

    // MARK: - Days

    private func matches(day: Int64) -> Bool {
        let (_, month, dayOfMonth) = Self.civil(fromDays: day)
        guard months & (1 << month) != 0 else { return false }
        let weekday = Int(((day % 7) + 7 + 4) % 7)  // 1970-01-01 was a Thursday
        let byMonth = daysOfMonth & (1 << dayOfMonth) != 0
        let byWeek = daysOfWeek & (1 << weekday) != 0
        if dayOfMonthRestricted, dayOfWeekRestricted { return byMonth || byWeek }
        return byMonth && byWeek
    }

    private func firstMinute(from: Int) -> Int? {
        for hour in (from / 60)...23 where hours & (1 << hour) != 0 {
            let first = hour == from / 60 ? from % 60 : 0
            for minute in first...59 where minutes & (1 << minute) != 0 { return hour * 60 + minute }
        }
        return nil
    }

    private func lastMinute(upTo: Int) -> Int? {
        for hour in stride(from: upTo / 60, through: 0, by: -1) where hours & (1 << hour) != 0 {
            let last = hour == upTo / 60 ? upTo % 60 : 59
            for minute in stride(from: last, through: 0, by: -1) where minutes & (1 << minute) != 0 {
                return hour * 60 + minute
            }
        }
        return nil
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// Year, month (1-12) and day (1-31) of a day count since 1970-01-01 (H. Hinnant's algorithm).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func longestMonth(_ month: Int) -> Int {
        switch month {
        case 2: 29
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // MARK: - Parsing

    private static func parse(_ text: String, _ field: Field, _ expression: String) throws -> UInt64 {
        func failure(_ reason: ParseError.Reason) -> ParseError {
            ParseError(expression: expression, field: field, reason: reason)
        }
        func value(_ part: Substring) throws -> Int {
            if let number = Int(part) {
                guard field.range.contains(number) else { throw failure(.outOfRange(number, field.range)) }
                return number
            }
            if let named = field.names[part.uppercased()] { return named }
            throw failure(.invalidValue(String(part)))
        }
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, !pieces[0].isEmpty else { throw failure(.invalidValue(String(item))) }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else { throw failure(.invalidStep(String(pieces[1]))) }
                step = parsed
            }
            let range = pieces[0]
            let lower: Int
            var upper: Int
            if range == "*" {
                (lower, upper) = (field.range.lowerBound, field.range.upperBound)
                if field == .dayOfWeek { upper = 6 }
            } else if let dash = range.firstIndex(of: "-") {
                lower = try value(range[..<dash])
                upper = try value(range[range.index(after: dash)...])
                guard lower <= upper else { throw failure(.invalidRange(String(range))) }
            } else {
                lower = try value(range)
                upper = pieces.count == 2 ? field.range.upperBound : lower
            }
            for number in stride(from: lower, through: upper, by: step) { bits |= 1 << number }
        }
        return bits
    }
}
