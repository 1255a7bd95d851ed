import Foundation

/// A moment as the pages show it to people: "2026-12-05 04:19:40 UTC" (admin pages, and the
/// setup pages a customer sees).
enum DisplayTime {
    static func utc(_ date: Date) -> String {
        date.formatted(
            Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day().dateTimeSeparator(.space).time(includingFractionalSeconds: false)) + " UTC"
    }
}
