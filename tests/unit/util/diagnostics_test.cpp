#include <catch2/catch.hpp>

#include "util/diagnostics.hpp"

using namespace mailsync;

TEST_CASE("a diagnostic prints file:line:col, the source line and a caret", "[diagnostics]") {
    SourceFiles sources;
    sources.add("a.yaml", "spec:\n  hots: x\n");
    Diagnostic diagnostic{Severity::error, {"a.yaml", 2, 3}, "unknown field 'hots'"};
    CHECK(render_diagnostic(diagnostic, sources, false) ==
          "a.yaml:2:3: error: unknown field 'hots'\n  hots: x\n  ^\n");
}

TEST_CASE("a diagnostic keeps tabs in the caret line and handles CRLF", "[diagnostics]") {
    SourceFiles sources;
    sources.add("a.yaml", "x\r\n\tkey: v\r\n");
    Diagnostic diagnostic{Severity::warning, {"a.yaml", 2, 3}, "w"};
    CHECK(render_diagnostic(diagnostic, sources, false) ==
          "a.yaml:2:3: warning: w\n\tkey: v\n\t ^\n");
}

TEST_CASE("a diagnostic for a whole file or an unknown line quotes nothing", "[diagnostics]") {
    SourceFiles sources;
    CHECK(render_diagnostic({Severity::error, {"f.yaml", 0, 0}, "file is empty"}, sources, false) ==
          "f.yaml: error: file is empty\n");
    CHECK(render_diagnostic({Severity::error, {"f.yaml", 9, 1}, "m"}, sources, false) ==
          "f.yaml:9:1: error: m\n");
}

TEST_CASE("a redacted line shows (sensitive) in place of the rest of the line", "[diagnostics]") {
    SourceFiles sources;
    sources.add("a.yaml", "auth:\n  password: hunter2\n");
    sources.redact({"a.yaml", 2, 13});
    std::string out =
        render_diagnostic({Severity::warning, {"a.yaml", 2, 13}, "in clear"}, sources, false);
    CHECK(out == "a.yaml:2:13: warning: in clear\n  password: (sensitive)\n            ^\n");
    CHECK(out.find("hunter2") == std::string::npos);
}

TEST_CASE("a caret after hidden text points at its own cell, and one inside it at (sensitive)",
          "[diagnostics]") {
    SourceFiles sources;
    sources.add("a.csv", "name,password,port\nbox,hunter2,99x\n");
    sources.redact({"a.csv", 2, 5}, 12);
    CHECK(render_diagnostic({Severity::error, {"a.csv", 2, 13}, "bad port"}, sources, false) ==
          "a.csv:2:13: error: bad port\nbox,(sensitive),99x\n                ^\n");
    CHECK(render_diagnostic({Severity::error, {"a.csv", 2, 7}, "m"}, sources, false) ==
          "a.csv:2:7: error: m\nbox,(sensitive),99x\n    ^\n");
    // Hidden to the line's end: a caret past it points at the hidden text.
    sources.redact({"a.csv", 1, 6});
    CHECK(render_diagnostic({Severity::error, {"a.csv", 1, 15}, "m"}, sources, false) ==
          "a.csv:1:15: error: m\nname,(sensitive)\n     ^\n");
    // Two hidden cells on one line, and a caret after both.
    sources.add("b.csv", "a,s1,b,s2,c\n");
    sources.redact({"b.csv", 1, 3}, 5);
    sources.redact({"b.csv", 1, 8}, 10);
    QuotedLine quoted = sources.quote("b.csv", 1, 11);
    CHECK(quoted.text == "a,(sensitive),b,(sensitive),c");
    CHECK(quoted.text.substr(static_cast<std::size_t>(quoted.column - 1)) == "c");
}

TEST_CASE("colour marks the severity and the caret", "[diagnostics]") {
    SourceFiles sources;
    sources.add("a.yaml", "x: 1\n");
    std::string out = render_diagnostic({Severity::error, {"a.yaml", 1, 1}, "m"}, sources, true);
    CHECK(out.find("\x1b[1;31merror:\x1b[0m") != std::string::npos);
}

TEST_CASE("diagnostics count errors and warnings and sort by file order, then place",
          "[diagnostics]") {
    Diagnostics list;
    list.error({"b.yaml", 3, 1}, "third");
    list.warning({"a.yaml", 9, 1}, "second");
    list.error({"a.yaml", 2, 5}, "first");
    list.sort({"a.yaml", "b.yaml"});
    REQUIRE(list.items().size() == 3);
    CHECK(list.items()[0].message == "first");
    CHECK(list.items()[1].message == "second");
    CHECK(list.items()[2].message == "third");
    CHECK(list.error_count() == 2);
    CHECK(list.warning_count() == 1);
    CHECK(list.has_errors());
}

TEST_CASE("source lines are found by number, past the end is nothing, a new text replaces the old",
          "[diagnostics]") {
    SourceFiles sources;
    sources.add("a.yaml", "one\ntwo\r\nthree");
    CHECK(sources.line("a.yaml", 1) == "one");
    CHECK(sources.line("a.yaml", 2) == "two");
    CHECK(sources.line("a.yaml", 3) == "three");
    CHECK(sources.line("a.yaml", 4).empty());
    CHECK(sources.line("a.yaml", 0).empty());
    sources.add("a.yaml", "first\n");
    CHECK(sources.line("a.yaml", 1) == "first");
    CHECK(sources.line("a.yaml", 3).empty());
}
