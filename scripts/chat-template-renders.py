#!/usr/bin/env python3
"""Expected renders of the committed chat-template fixtures, made with Python jinja2 as Hugging Face transformers
renders chat templates (transformers.utils.chat_template_utils: ImmutableSandboxedEnvironment with trim_blocks and
lstrip_blocks, the loopcontrols extension and a {% generation %} tag, `raise_exception`, `strftime_now`, and a
`tojson` filter that calls json.dumps with ensure_ascii=False). Variables: messages, add_generation_prompt,
bos_token, eos_token, tools=None, documents=None; strftime_now reads a fixed date (15 Jan 2026 12:00) so that
the renders are reproducible (the Swift test passes the same date).

Reads Tests/TokenizationTests/Fixtures/chat-templates/templates.json (name, source, bos/eos) and NAME.jinja,
writes renders.json next to them (and jinja-cases.json: small templates exercising one construct each;
renders-variables.json: templates rendered with extra variables such as Qwen 3's enable_thinking): one entry per template × conversation × add_generation_prompt with the rendered
text, or the exception a template raised. Tests/TokenizationTests/JinjaFixtureTests.swift compares Polygraph's
interpreter with it byte for byte. Python is only used to make this fixture.
Usage: python3 scripts/chat-template-renders.py   (needs jinja2 >= 3.1)
"""
import datetime, json, os, sys
import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests/TokenizationTests/Fixtures/chat-templates")
NOW = datetime.datetime(2026, 1, 15, 12, 0, 0)

CONVERSATIONS = {
    "user": [{"role": "user", "content": "What is the capital of France?"}],
    "system_user": [{"role": "system", "content": "You are a terse assistant."},
                    {"role": "user", "content": "Name a planet."}],
    "multi_turn": [{"role": "user", "content": "Hi!"},
                   {"role": "assistant", "content": "Hello! How can I help?"},
                   {"role": "user", "content": "  Tell me a joke.  \n"}],
    "system_multi_turn": [{"role": "system", "content": " Be brief. "},
                          {"role": "user", "content": "Hello"},
                          {"role": "assistant", "content": "Hi there "},
                          {"role": "user", "content": "Who are you?"}],
    "unicode": [{"role": "user", "content": "Größe: 42 km² — naïve café, 東京 🎉\n\tdone."},
                {"role": "assistant", "content": "Noted: \"quotes\", 'apostrophes' and a \\ backslash."},
                {"role": "user", "content": "{{ not a template }} {% neither %} <|im_end|>"}],
}

# Extra variables (apply_chat_template(**kwargs); Polygraph's --template-var) rendered for the templates that read
# them, each as "name=value" with the value as JSON: renders-variables.json.
VARIABLES = {"qwen3-0.6b": [["enable_thinking=false"], ["enable_thinking=true"]]}

# Small templates, one construct each (whitespace control, scoping, loop, filters, tests, literals), rendered with
# no variables into jinja-cases.json.
CASES = [
 '  {% if true %}\n  x\n  {% endif %}\n  {{ "y" }}\n',
 'a  {%- if true -%}  \n b \n {%+ if true %}c{% endif %}\n{# note #}\nd {#- x -#} e{% endif %}\n\n',
 '{% set count = 0 %}{% for i in [1,2,3] %}{% set count = count + 1 %}{{ count }}{% endfor %}{{ count }}',
 '{% set ns = namespace(n=0) %}{% for i in range(5) if i is odd %}{{ loop.index }}/{{ loop.length }}{{ "," if not loop.last }}{% set ns.n = ns.n + i %}{% endfor %}={{ ns.n }}',
 '{{ "  a b  ".strip() }}|{{ "a,b,,c".split(",") }}|{{ " x  y ".split() }}|{{ "abc"[::-1] }}|{{ [1,2,3][1:] }}|{{ "Hello"|upper }}{{ "ÉX"|lower }}',
 '{{ {"a": [1, 2.5, none, true], "b": "é\\n\\"q\\""}|tojson }}|{{ [1,{"k":"v"}]|tojson(indent=2) }}',
 '{{ none }}|{{ undefined_thing }}|{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 8 }} {{ "ab" * 3 }} {{ 1 ~ "x" ~ none }}',
 '{{ x is defined }} {{ none is none }} {{ "s" is string }} {{ 3 is divisibleby 3 }} {{ [] is iterable }} {{ {} is mapping }} {{ "a" in "cat" }} {{ 2 not in [1] }} {{ 1 if false }}.',
 '{% macro greet(name, punct="!") %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet("A") }} {{ greet("B", punct="?") }}',
 '{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% if loop.first %}F{% endif %}{% endfor %}{% for x in [] %}no{% else %}empty{% endfor %}',
 '{% for m in [1,2,3,4] %}{% if m == 2 %}{% continue %}{% endif %}{% if m == 4 %}{% break %}{% endif %}{{ m }}{% endfor %}',
 '{{ ["b","a"]|sort|join("-") }} {{ [3,1,2]|max }} {{ "hello world"|title }} {{ "x"|default("d") }} {{ missing|default("d") }} {{ ""|default("e", true) }} {{ [1,2,3]|length }} {{ [1,2,3]|first }}{{ [1,2,3]|last }}',
 "{{ 'It\\'s' }} {{ \"tab\\there\" }} {{ '\\u00e9\\x41' }} {{ 'a' 'b' }}",
 '{{ [{"r":"u","c":1},{"r":"s","c":2}]|selectattr("r","equalto","s")|map(attribute="c")|list }} {{ [1,0,2]|select|list }} {{ {"b":1,"a":2}|items|list }} {{ {"k":1}.get("k") }}{{ {"k":1}.get("z", 9) }}',
 '{{ "a\\nb"|indent(2) }}|{{ "x.y.z".rsplit(".", 1) }}|{{ "Hi There".startswith(("X","Hi")) }}|{{ "  lead"|trim }}|{{ "aXbXc".replace("X", "-", 1) }}',
]


class Generation(Extension):
    """transformers' AIChatTemplateExtension, reduced to what rendering needs: {% generation %} renders its body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return NOW.strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

with open(os.path.join(FIXTURES, "templates.json"), encoding="utf-8") as f:
    templates = json.load(f)
renders = []
for t in templates:
    with open(os.path.join(FIXTURES, t["name"] + ".jinja"), encoding="utf-8") as f:
        compiled = env.from_string(f.read())
    for conversation, messages in CONVERSATIONS.items():
        for agp in (True, False):
            entry = {"template": t["name"], "conversation": conversation, "add_generation_prompt": agp}
            try:
                entry["output"] = compiled.render(messages=messages, add_generation_prompt=agp, tools=None,
                                                  documents=None, bos_token=t["bos_token"], eos_token=t["eos_token"])
            except Exception as e:  # raise_exception gives a plain TemplateError; anything else is a template bug
                entry["raised" if type(e) is jinja2.exceptions.TemplateError else "error"] = f"{type(e).__name__}: {e}" if type(e) is not jinja2.exceptions.TemplateError else str(e)
            renders.append(entry)
with open(os.path.join(FIXTURES, "renders.json"), "w", encoding="utf-8") as f:
    json.dump({"jinja2": jinja2.__version__, "now": NOW.isoformat(), "conversations": CONVERSATIONS,
               "renders": renders}, f, indent=1, ensure_ascii=False)
    f.write("\n")
variable_renders = []
for name, settings in VARIABLES.items():
    t = next(t for t in templates if t["name"] == name)
    with open(os.path.join(FIXTURES, name + ".jinja"), encoding="utf-8") as f:
        compiled = env.from_string(f.read())
    for assignments in settings:
        kwargs = {a.split("=", 1)[0]: json.loads(a.split("=", 1)[1]) for a in assignments}
        for conversation, messages in CONVERSATIONS.items():
            for agp in (True, False):
                output = compiled.render(messages=messages, add_generation_prompt=agp, tools=None, documents=None,
                                         bos_token=t["bos_token"], eos_token=t["eos_token"], **kwargs)
                variable_renders.append({"template": name, "variables": assignments, "conversation": conversation,
                                         "add_generation_prompt": agp, "output": output})
with open(os.path.join(FIXTURES, "renders-variables.json"), "w", encoding="utf-8") as f:
    json.dump(variable_renders, f, indent=1, ensure_ascii=False)
    f.write("\n")
cases = [{"template": c, "output": env.from_string(c).render()} for c in CASES]
with open(os.path.join(FIXTURES, "jinja-cases.json"), "w", encoding="utf-8") as f:
    json.dump(cases, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"{len(cases)} cases; {len(templates)} templates, {len(renders)} renders "
      f"({sum('output' in r for r in renders)} texts, {sum('raised' in r for r in renders)} raised, "
      f"{sum('error' in r for r in renders)} errors)", file=sys.stderr)
