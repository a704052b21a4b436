"""The expression languages of ASL in JSONPath mode, as pure functions over JSON data.

Everything is compiled once per definition (ExpressionError on bad syntax) and evaluated with
`(data, Scope)`; failures are `AslError`s carrying AWS's error name and the part of AWS's cause
that the expression knows. The interpreter prefixes causes with "An error occurred while
executing the state '<name>' (entered at the event id #<n>). " as AWS does.

- `jsonpath`: `compile_path` (Jayway semantics; `tokens` is its syntax, `filters` its `[?()]`).
- `reference`: `compile_reference_path` for ResultPath (copy-on-write placement).
- `template`: `compile_template` for Parameters, ResultSelector, ItemSelector and Assign.
- `intrinsics`: `compile_call` for `States.*(...)` (`intrinsic_parser`, `intrinsic_registry`,
  `intrinsic_functions`).
- `choice`: `compile_rule` for Choice rules (`choice_operators`, `timestamps`).
- `values`: JSON kinds, equality and printing as AWS (Java) does them.
"""
