#include <catch2/catch.hpp>

#include "import/csv.hpp"
#include "import/json_positions.hpp"

using namespace mailsync;

namespace {

std::vector<std::string> texts(const CsvRow& row) {
    std::vector<std::string> out;
    for (const CsvCell& cell : row.cells)
        out.push_back(cell.text);
    return out;
}

} // namespace

TEST_CASE("the separator is the one the header uses most, outside quotes", "[import][csv]") {
    CHECK(detect_separator("name,host,port") == ',');
    CHECK(detect_separator("name;host;port") == ';');
    CHECK(detect_separator("name\thost\tport") == '\t');
    CHECK(detect_separator("\"a;b;c\",host,port") == ',');
    CHECK(detect_separator("name") == ',');
}

TEST_CASE("quoted fields keep separators, quotes and line breaks", "[import][csv]") {
    Diagnostics diagnostics;
    CsvTable table = read_csv("\xEF\xBB\xBFname;description;port\r\n"
                              "a;\"one; \"\"two\"\"\r\nthree\";993\r\n"
                              "\r\n"
                              "b;plain text;995;\n",
                              "in.csv", diagnostics);
    CHECK_FALSE(diagnostics.has_errors());
    CHECK(table.separator == ';');
    CHECK(texts(table.header) == std::vector<std::string>{"name", "description", "port"});
    REQUIRE(table.rows.size() == 2);
    CHECK(texts(table.rows[0]) == std::vector<std::string>{"a", "one; \"two\"\nthree", "993"});
    CHECK(table.rows[0].cells[1].line == 2);
    CHECK(table.rows[0].cells[1].column == 3);
    CHECK(table.rows[0].cells[1].end_line == 3);
    CHECK(table.rows[0].cells[2].line == 3);
    // the blank line is skipped; the trailing separator gives an empty fourth cell
    CHECK(table.rows[1].line == 5);
    CHECK(texts(table.rows[1]) == std::vector<std::string>{"b", "plain text", "995", ""});
}

TEST_CASE("values keep their case and inner spaces", "[import][csv]") {
    Diagnostics diagnostics;
    CsvTable table =
        read_csv("name,username\nSupport Desk,Support@Example.COM\n", "in.csv", diagnostics);
    REQUIRE(table.rows.size() == 1);
    CHECK(texts(table.rows[0]) == std::vector<std::string>{"Support Desk", "Support@Example.COM"});
}

TEST_CASE("a quote left open is an error where it opens; the rows before it are kept",
          "[import][csv]") {
    Diagnostics diagnostics;
    CsvTable table = read_csv("name,host\na,h1\n\"b,h2\nc,h3\n", "in.csv", diagnostics);
    REQUIRE(diagnostics.error_count() == 1);
    CHECK(diagnostics.items()[0].where.line == 3);
    CHECK(diagnostics.items()[0].where.column == 1);
    CHECK(table.rows.size() == 1);
}

TEST_CASE("JSON positions: every value by its pointer", "[import][json]") {
    std::string text = "{\n  \"a\": [1, {\"b/c\": \"x\"}],\n  \"d~\": {\"e\\\"f\": true}\n}";
    auto offsets = json_value_offsets(text);
    CHECK(offsets.at("") == 0);
    CHECK(text.substr(offsets.at("/a"), 1) == "[");
    CHECK(text.substr(offsets.at("/a/0"), 1) == "1");
    CHECK(text.substr(offsets.at("/a/1/b~1c"), 3) == "\"x\"");
    CHECK(text.substr(offsets.at("/d~0/e\"f"), 4) == "true");
}

TEST_CASE("JSON positions: deep nesting is walked without recursion past a limit",
          "[import][json]") {
    std::string text(100000, '[');
    text += std::string(100000, ']');
    auto offsets = json_value_offsets(text);
    CHECK(offsets.size() == 257);
}
