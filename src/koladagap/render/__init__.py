"""Everything a person reads: style, language, charts, reports and the baseline pack."""
