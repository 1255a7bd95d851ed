import Foundation
import OneflowAPI
import Testing

@Suite("Oneflow datetimes")
struct OneflowDateTests {
    @Test("the documented format round-trips", arguments: ["2020-06-30T07:15:23+0000", "1999-12-31T23:59:59+0000"])
    func roundTrip(text: String) throws {
        let date = try #require(OneflowDate.parse(text))
        #expect(OneflowDate.format(date) == text)
    }

    @Test("offsets, Z and fractions are understood")
    func variants() throws {
        let utc = try #require(OneflowDate.parse("2020-06-30T07:15:23+0000"))
        #expect(OneflowDate.parse("2020-06-30T09:15:23+0200") == utc)
        #expect(OneflowDate.parse("2020-06-30T09:15:23+02:00") == utc)
        #expect(OneflowDate.parse("2020-06-30T07:15:23Z") == utc)
        #expect(OneflowDate.parse("2020-06-30T02:15:23-0500") == utc)
        let fractional = try #require(OneflowDate.parse("2020-06-30T07:15:23.250Z"))
        #expect(abs(fractional.timeIntervalSince(utc) - 0.25) < 0.0001)
    }

    @Test(
        "garbage is rejected",
        arguments: ["", "2020-06-30", "2020-13-01T00:00:00+0000", "2020-06-30T07:15:23", "2020-06-30T07:15:23+01", "yesterday"])
    func rejects(text: String) {
        #expect(OneflowDate.parse(text) == nil)
    }

    @Test("format agrees with a Gregorian calendar in UTC over four centuries, fractions and dates before 1970 included")
    func formatMatchesCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        var generator = SystemRandomNumberGenerator()
        let edges: [Double] = [0, -0.5, -1, 86_399.999, 86_400, 951_782_400, 4_107_542_400, -2_208_988_800, 253_402_300_799]
        let random = (0..<5_000).map { _ in Double.random(in: -2_208_988_800...7_258_118_400, using: &generator) }
        for seconds in edges + random {
            let date = Date(timeIntervalSince1970: seconds)
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d+0000", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            #expect(OneflowDate.format(date) == expected, "\(seconds)")
        }
    }
}
