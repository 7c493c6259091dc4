import NIOCore

/// Copies the kept field lines of a parsed head as they arrived, consecutive ones in one
/// write: a line starts where its name does and ends where the next begins (or at the blank
/// line). Written field by field (name, ": ", value, CRLF) a head took four buffer writes per
/// field, each checking capacity and uniqueness; a request whose fields are all kept now
/// takes one. The bytes were validated as they were read (no bare CR or LF, no obs-fold).
struct FieldLineCopier {
    private let raw: UnsafeRawBufferPointer
    /// The start of the current run of kept lines, if one is open.
    private var runStart: Int?

    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    mutating func keep(_ field: HeadField) {
        if runStart == nil { runStart = Int(field.nameStart) }
    }

    /// Leaves `field` out: the run before it is written.
    mutating func drop(_ field: HeadField, into out: inout ByteBuffer) {
        write(upTo: Int(field.nameStart), into: &out)
    }

    /// Writes the open run, through the last field line.
    mutating func finish(into out: inout ByteBuffer) {
        write(upTo: raw.count - 2, into: &out)  // the blank line's CRLF ends the head
    }

    private mutating func write(upTo end: Int, into out: inout ByteBuffer) {
        guard let start = runStart else { return }
        out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
        runStart = nil
    }
}
