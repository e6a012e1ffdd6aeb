import Foundation
import Synchronization
import SystemInterface
import TestSupport
import Testing

/// The POSIX layer: the EINTR funnel, owned descriptors, files, expressions.
@Suite struct SystemInterfaceTests {
  @Test func theFunnelRetriesInterruptedCallsAndNamesTheCallThatFailed() {
    var attempts = 0
    let value = try? systemCall("test") { () -> Int32 in
      attempts += 1
      if attempts < 3 {
        errno = EINTR
        return -1
      }
      return 7
    }
    #expect(value == 7)
    #expect(attempts == 3)
    #expect(throws: SystemError(call: "open", code: ENOENT, subject: "/nonexistent/x")) {
      _ = try FileDescriptor.open("/nonexistent/x", O_RDONLY)
    }
  }

  @Test func aDescriptorIsClosedExactlyOnceByItsOwner() throws {
    let pipe = try PipeEnds()
    let readEnd = pipe.readEnd.rawValue
    #expect(fcntl(readEnd, F_GETFD) & FD_CLOEXEC != 0, "pipes are close-on-exec")
    pipe.readEnd.close()
    #expect(!pipe.readEnd.isOpen)
    #expect(fcntl(readEnd, F_GETFD) == -1, "closed")
    // A number reused by a later open is not closed again by the old owner.
    let reopened = try FileDescriptor.open("/dev/null", O_RDONLY)
    pipe.readEnd.close()
    #expect(fcntl(reopened.rawValue, F_GETFD) != -1)
  }

  @Test func aDescriptorIsClosedWhenItsOwnerLetsGo() throws {
    var number: Int32 = -1
    do {
      let file = try FileDescriptor.open("/dev/null", O_RDONLY)
      number = file.rawValue
      #expect(fcntl(number, F_GETFD) != -1)
    }
    #expect(fcntl(number, F_GETFD) == -1)
  }

  @Test func smallFilesAreReadWholeOrUpToTheLimit() throws {
    let directory = TemporaryDirectory("orc-system")
    let path = directory.write("file", "0123456789")
    #expect(try SmallFile.read(path, limit: 100) == (Array("0123456789".utf8), true))
    let cut = try SmallFile.read(path, limit: 4)
    #expect(cut.bytes == Array("0123".utf8))
    #expect(!cut.complete)
    var seen = 0
    #expect(
      try SmallFile.forEachChunk(path) {
        seen += $0.count; return true
      })
    #expect(seen == 10)
    #expect(throws: SystemError.self) { _ = try SmallFile.read(directory.url("missing"), limit: 1) }
    // A link is followed unless asked not to be (a path another user could have planted).
    #expect(symlink(path, directory.url("link")) == 0)
    #expect(try SmallFile.read(directory.url("link"), limit: 100).bytes == Array("0123456789".utf8))
    #expect(throws: SystemError.self) {
      _ = try SmallFile.read(directory.url("link"), limit: 100, followingLinks: false)
    }
  }

  @Test func expressionsMatchAndReportWhereAndRefuseWhatDoesNotCompile() throws {
    let expression = try RegularExpression("b+")
    #expect(expression.matches("abbc"))
    #expect(!expression.matches("ac"))
    let range = "abbc".withCString { expression.firstMatch(in: $0, notAtLineStart: false) }
    #expect(range == 1..<3)
    #expect(throws: RegularExpression.Invalid.self) { _ = try RegularExpression("(unclosed") }
  }

  @Test func instantsAreFormattedInUTCAndForFileNames() {
    #expect(Timestamp.utcISO8601(1_795_514_400_123_456) == "2026-11-24T10:00:00.123456Z")
    #expect(Timestamp.compactUTC(1_795_514_400_123_456) == "20261124T100000Z")
    #expect(joinPath("", "a") == "a")
    #expect(joinPath("/b/", "a") == "/b/a")
    #expect(joinPath("/b", "a") == "/b/a")
    #expect(signalName(SIGTERM) == "SIGTERM")
  }
}

/// What a terminal is shown: nothing that drives it, reorders or hides text.
@Suite struct DisplayTextTests {
  @Test func controlCharactersBecomeVisibleEscapes() {
    #expect(DisplayText.escaped("a\u{1b}[31mb\u{7f}\u{9b}\n\tc") == "a\\x1b[31mb\\x7f\\x9b\n\tc")
    #expect(DisplayText.escaped("a\nb\tc", singleLine: true) == "a\\x0ab\\x09c")
  }

  @Test func bidiAndZeroWidthCharactersAreShownEscaped() {
    // "Trojan Source": a right-to-left override makes `10-evil` look like something else.
    #expect(DisplayText.escaped("10-\u{202E}live") == "10-\\u{202e}live")
    #expect(DisplayText.escaped("a\u{2066}b\u{2069}c\u{200F}") == "a\\u{2066}b\\u{2069}c\\u{200f}")
    #expect(DisplayText.escaped("pass\u{200B}word\u{FEFF}") == "pass\\u{200b}word\\u{feff}")
    #expect(DisplayText.escaped("héllo → 世界 😀") == "héllo → 世界 😀", "other text is untouched")
  }

  /// Line and paragraph separators, the soft hyphen, U+180E, the Hangul
  /// fillers and variation selectors: drawn as nothing or as a line break,
  /// each shown escaped; letters and marks around them untouched.
  @Test func separatorsFormatCharactersAndDefaultIgnorablesAreShownEscaped() {
    let hidden: [(String, String)] = [
      ("\u{2028}", "2028"), ("\u{2029}", "2029"), ("\u{00AD}", "ad"), ("\u{180E}", "180e"), ("\u{3164}", "3164"),
      ("\u{115F}", "115f"), ("\u{1160}", "1160"), ("\u{FFA0}", "ffa0"), ("\u{FE0F}", "fe0f"), ("\u{E0041}", "e0041"),
    ]
    for (character, hex) in hidden {
      #expect(DisplayText.escaped("10-" + character + "a") == "10-\\u{\(hex)}a", "U+\(hex)")
    }
    #expect(DisplayText.escaped("cafe\u{0301} 한국어 ß") == "cafe\u{0301} 한국어 ß")
  }

  /// A signal blocked in this thread and pending raises the notice before
  /// anyone reads it; a notice raised by its reader stays raised.
  @Test func aTerminationNoticeSeesAPendingSignalAndStaysRaised() {
    let notice = TerminationNotice(signals: [SIGUSR2])
    #expect(!notice.isRaised)
    var mask = sigset_t()
    var previous = sigset_t()
    sigemptyset(&mask)
    sigaddset(&mask, SIGUSR2)
    pthread_sigmask(SIG_BLOCK, &mask, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    pthread_kill(pthread_self(), SIGUSR2)
    #expect(notice.isRaised, "pending in this thread")
    var taken: Int32 = 0
    sigwait(&mask, &taken)
    #expect(taken == SIGUSR2)
    #expect(!notice.isRaised, "read, and nobody raised it")
    notice.raise()
    #expect(notice.isRaised)
  }
}

/// A thread started with `QuietThread.start(unretained:)` does not keep its
/// object: the object goes when its last owner lets it go, and its deinit
/// ends the thread.
@Suite struct QuietThreadTests {
  private final class Looping: @unchecked Sendable {
    let stopping = Atomic<Bool>(false)
    var thread: pthread_t?
    /// Bounded: a thread that kept its object alive ends the test, not the suite.
    static let deadline = Date().addingTimeInterval(60)

    init() { thread = QuietThread.start(unretained: self) { $0.loop() } }

    private func loop() {
      while !stopping.load(ordering: .acquiring), Date() < Self.deadline { usleep(1000) }
    }

    deinit {
      stopping.store(true, ordering: .releasing)
      if let thread { pthread_join(thread, nil) }
    }
  }

  @Test func theThreadDoesNotKeepItsObject() {
    weak var released: Looping?
    do {
      let looping = Looping()
      released = looping
      #expect(looping.thread != nil)
    }
    #expect(released == nil)
  }
}
