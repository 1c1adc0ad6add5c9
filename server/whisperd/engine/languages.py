"""Language codes: which strings are ISO-639-1, and how Whisper names its languages.

OpenAI's ``verbose_json`` names the language in lower-case English (``"english"``), and
rejects a ``language`` that is not an ISO-639-1 code. Whisper knows ~100 languages by code;
two of its codes are not ISO-639-1 (``haw``, ``yue``) and one differs (``jw`` for Javanese,
whose ISO code is ``jv``).
"""

from __future__ import annotations

# Whisper's languages in its own order, as code=name (underscores stand for spaces).
_WHISPER_LANGUAGES = """
    en=english zh=chinese de=german es=spanish ru=russian ko=korean fr=french ja=japanese
    pt=portuguese tr=turkish pl=polish ca=catalan nl=dutch ar=arabic sv=swedish it=italian
    id=indonesian hi=hindi fi=finnish vi=vietnamese he=hebrew uk=ukrainian el=greek
    ms=malay cs=czech ro=romanian da=danish hu=hungarian ta=tamil no=norwegian th=thai
    ur=urdu hr=croatian bg=bulgarian lt=lithuanian la=latin mi=maori ml=malayalam cy=welsh
    sk=slovak te=telugu fa=persian lv=latvian bn=bengali sr=serbian az=azerbaijani
    sl=slovenian kn=kannada et=estonian mk=macedonian br=breton eu=basque is=icelandic
    hy=armenian ne=nepali mn=mongolian bs=bosnian kk=kazakh sq=albanian sw=swahili
    gl=galician mr=marathi pa=punjabi si=sinhala km=khmer sn=shona yo=yoruba so=somali
    af=afrikaans oc=occitan ka=georgian be=belarusian tg=tajik sd=sindhi gu=gujarati
    am=amharic yi=yiddish lo=lao uz=uzbek fo=faroese ht=haitian_creole ps=pashto
    tk=turkmen nn=nynorsk mt=maltese sa=sanskrit lb=luxembourgish my=myanmar bo=tibetan
    tl=tagalog mg=malagasy as=assamese tt=tatar haw=hawaiian ln=lingala ha=hausa
    ba=bashkir jw=javanese su=sundanese yue=cantonese
"""
WHISPER_LANGUAGE_NAMES: dict[str, str] = {
    code: name.replace("_", " ")
    for code, name in (entry.split("=") for entry in _WHISPER_LANGUAGES.split())
}

# Every ISO-639-1 code (ISO 639-1 registration authority list).
_ISO_639_1 = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi
    ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks
    ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl
    nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl
    sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve
    vi vo wa wo xh yi yo za zh zu
"""
ISO_639_1_CODES: frozenset[str] = frozenset(_ISO_639_1.split())

# Codes a client may send that Whisper spells differently.
_TO_WHISPER_CODE = {"jv": "jw", "nb": "no"}


def is_language_code(code: str) -> bool:
    """Whether ``code`` is a language code a client may send (ISO-639-1, or Whisper's own)."""
    return code in ISO_639_1_CODES or code in WHISPER_LANGUAGE_NAMES


def to_whisper_code(code: str) -> str:
    return _TO_WHISPER_CODE.get(code, code)


def language_name(code: str) -> str:
    """The lower-case English name OpenAI uses in ``verbose_json`` (the code if unknown)."""
    return WHISPER_LANGUAGE_NAMES.get(code, code)
