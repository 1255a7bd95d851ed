import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562 §5.7, https://www.rfc-editor.org/rfc/rfc9562#section-5.7):
    /// 48 bits of Unix time in milliseconds, then 74 random bits.
    ///
    /// Row ids of the tables that grow with every notification are made like this. A random
    /// (version 4) id puts each new row in a random page of the table's id index — and the job
    /// payload index, which holds the delivery's id — so a batch of new rows rewrote one page
    /// per row per index into SQLite's log (and PostgreSQL's WAL). Ids that grow with time are
    /// appended at the index's end: a batch touches a page or two (bench/RESULTS.md, "ack").
    /// The random part keeps them unguessable; their text form sorts in time order as well.
    ///
    /// The random bits come from `SystemRandomNumberGenerator` (`getrandom` on Linux), not
    /// from `UUID()`, which opens, reads and closes `/dev/urandom` for every id there.
    static func timeOrdered(at date: Date = Date()) -> UUID {
        var random = SystemRandomNumberGenerator()
        // 48 bits of milliseconds reach the year 10889; a date outside them is pinned to an end.
        let time = (date.timeIntervalSince1970 * 1000).rounded(.down)
        let milliseconds: UInt64 = time.isNaN || time <= 0 ? 0 : time >= 0x1_0000_0000_0000 ? 0xFFFF_FFFF_FFFF : UInt64(time)
        let high = (milliseconds << 16) | 0x7000 | (random.next() & 0x0FFF)
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return UUID(
            uuid: (
                UInt8(truncatingIfNeeded: high >> 56), UInt8(truncatingIfNeeded: high >> 48), UInt8(truncatingIfNeeded: high >> 40),
                UInt8(truncatingIfNeeded: high >> 32), UInt8(truncatingIfNeeded: high >> 24), UInt8(truncatingIfNeeded: high >> 16),
                UInt8(truncatingIfNeeded: high >> 8), UInt8(truncatingIfNeeded: high),
                UInt8(truncatingIfNeeded: low >> 56), UInt8(truncatingIfNeeded: low >> 48), UInt8(truncatingIfNeeded: low >> 40),
                UInt8(truncatingIfNeeded: low >> 32), UInt8(truncatingIfNeeded: low >> 24), UInt8(truncatingIfNeeded: low >> 16),
                UInt8(truncatingIfNeeded: low >> 8), UInt8(truncatingIfNeeded: low)
            ))
    }
}
