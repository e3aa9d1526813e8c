//! What the lines typed (or piped) into `ward interactive` mean: a command starting with `:`,
//! or Python to run as a snippet.
//!
//! A line of Python is a snippet on its own, unless it opens a block the way Python's own
//! prompt does (it ends with `:` or `\`, or leaves a bracket open): then the lines that follow
//! belong to it until an empty line. `:paste` starts a block whatever its first line is, for
//! pasting several statements at once. The end of the input ends a block.

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `:run NAME name=value ...`: a library script by name (or uid) with parameter values.
    Run {
        script: String,
        params: Vec<String>,
    },
    /// `:open ID`: follow an action again, its results so far first.
    Open(i64),
    /// `:scope`: list the endpoints in scope.
    Scope,
    Help,
    /// `:quit`, `:exit`.
    Quit,
    /// Python to run as it is.
    Snippet(String),
    /// A line that cannot be used, with why.
    Bad(String),
}

/// Gathers lines into [`Input`]s.
#[derive(Debug, Default)]
pub struct Reader {
    /// The lines of the block being entered, if one is open.
    block: Option<Vec<String>>,
}

impl Reader {
    /// Whether a block is open (the prompt shows `...`).
    pub fn in_block(&self) -> bool {
        self.block.is_some()
    }

    /// Takes one line (without its line break); `Some` once it completes an input.
    pub fn line(&mut self, line: &str) -> Option<Input> {
        if let Some(block) = &mut self.block {
            if !line.trim().is_empty() {
                block.push(line.to_owned());
                return None;
            }
            return self.finish();
        }

        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return None;
        }
        if let Some(command) = trimmed.strip_prefix(':') {
            if command.trim() == "paste" {
                self.block = Some(Vec::new());
                return None;
            }
            return Some(command_input(command));
        }
        if opens_block(line) {
            self.block = Some(vec![line.to_owned()]);
            return None;
        }
        Some(Input::Snippet(line.to_owned()))
    }

    /// Closes the block being entered, at an empty line or at the end of the input.
    pub fn finish(&mut self) -> Option<Input> {
        let lines = self.block.take()?;
        (!lines.is_empty()).then(|| Input::Snippet(lines.join("\n")))
    }
}

/// Whether a first line of Python needs the lines after it: a compound statement's header, a
/// continued line, or an open bracket.
fn opens_block(line: &str) -> bool {
    let code = line.trim_end();
    if code.ends_with(':') || code.ends_with('\\') {
        return true;
    }
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in code.chars() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '#' => break,
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            },
        }
    }
    depth > 0
}

fn command_input(command: &str) -> Input {
    let words = match split_words(command) {
        Ok(words) => words,
        Err(why) => return Input::Bad(why),
    };
    let Some((name, rest)) = words.split_first() else {
        return Input::Bad("an empty command; `:help` lists the commands".into());
    };
    match (name.as_str(), rest) {
        ("run", [script, params @ ..]) => Input::Run {
            script: script.clone(),
            params: params.to_vec(),
        },
        ("run", []) => Input::Bad("`:run` needs a script: `:run NAME name=value ...`".into()),
        ("open", [id]) => match id.parse() {
            Ok(id) => Input::Open(id),
            Err(_) => Input::Bad(format!("`{id}` is not an action id; they are numbers")),
        },
        ("open", _) => Input::Bad("`:open` takes one action id: `:open ID`".into()),
        ("scope", []) => Input::Scope,
        ("help", _) => Input::Help,
        ("quit" | "exit", []) => Input::Quit,
        _ => Input::Bad(format!(
            "`:{}` is not a command; `:help` lists them",
            command.trim()
        )),
    }
}

/// Splits a command into words; double or single quotes keep spaces inside one word.
fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    if let Some(q) = quote {
        return Err(format!("a {q} quote is not closed"));
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(lines: &[&str]) -> Vec<Input> {
        let mut reader = Reader::default();
        let mut inputs: Vec<Input> = lines.iter().filter_map(|l| reader.line(l)).collect();
        inputs.extend(reader.finish());
        inputs
    }

    #[test]
    fn a_line_of_python_is_a_snippet_and_a_block_ends_at_an_empty_line() {
        let inputs = read(&[
            "print(1)",
            "for i in range(2):",
            "    print(i)",
            "",
            "x = (",
        ]);
        assert_eq!(
            inputs,
            vec![
                Input::Snippet("print(1)".into()),
                Input::Snippet("for i in range(2):\n    print(i)".into()),
                Input::Snippet("x = (".into()),
            ]
        );
    }

    #[test]
    fn paste_gathers_statements_until_an_empty_line() {
        let inputs = read(&[":paste", "import os", "print(os.name)", "", ":quit"]);
        assert_eq!(
            inputs,
            vec![
                Input::Snippet("import os\nprint(os.name)".into()),
                Input::Quit
            ]
        );
    }

    #[test]
    fn commands_take_quoted_parameters() {
        let inputs = read(&[":run file_exists path=\"/a b\"", ":open 12", ":open x"]);
        assert_eq!(
            inputs[..2],
            [
                Input::Run {
                    script: "file_exists".into(),
                    params: vec!["path=/a b".into()]
                },
                Input::Open(12)
            ]
        );
        assert!(matches!(inputs[2], Input::Bad(_)));
    }

    #[test]
    fn brackets_inside_strings_do_not_open_a_block() {
        assert!(!opens_block("print('(')"));
        assert!(opens_block("data = {"));
    }
}
