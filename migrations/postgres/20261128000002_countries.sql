-- ISO 3166-1 alpha-2 country codes (seeded from migrations/reference/countries.csv): a foreign
-- party's region must be one of them. `gbt2260` names the GB/T 2260 code that stands for the
-- same place (Hong Kong, Macao, Taiwan), which is the code stored for it.
CREATE TABLE ref_countries (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    gbt2260 TEXT
);
