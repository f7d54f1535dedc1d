"""Every user-facing string of the viewer and portal, in Japanese (first) and English.

Templates call ``t("key")``; a missing key shows the key itself so a gap is visible in
review and caught by the catalog test (every key used in a template exists here).
"""

from __future__ import annotations

from collections.abc import Callable

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"
LANG_COOKIE = "kizuna_lang"

CATALOG: dict[str, tuple[str, str]] = {
    # chrome
    "app.name": ("絆 Kizuna 保健医療記録共有", "Kizuna health record sharing"),
    "app.skip": ("本文へ移動", "Skip to main content"),
    "app.lang_switch": ("English", "日本語"),
    "app.lang_label": ("表示言語", "Language"),
    "app.logout": ("ログアウト", "Log out"),
    "app.signed_in_as": ("ログイン中", "Signed in as"),
    "app.nav": ("メインメニュー", "Main menu"),
    "app.footer": (
        "閲覧はすべて記録され、ご本人が確認できます。",
        "Every access is recorded and visible to the patient.",
    ),
    "app.print": ("印刷 / PDF保存", "Print / save as PDF"),
    "nav.search": ("患者検索", "Find a patient"),
    "nav.portal_home": ("わたしの記録", "My record"),
    "nav.portal_log": ("閲覧履歴", "Access log"),
    "nav.portal_consent": ("同意の管理", "Consent"),
    "nav.portal_care": ("ケア情報の登録", "Care information"),
    "nav.portal_card": ("救急QRカード", "Emergency QR card"),
    # login
    "login.title": ("ログイン", "Log in"),
    "login.username": ("ユーザー名", "Username"),
    "login.password": ("パスワード", "Password"),
    "login.submit": ("次へ", "Next"),
    "login.totp_title": ("確認コード (2要素認証)", "Verification code (two-factor)"),
    "login.totp": ("認証アプリの6桁のコード", "6-digit code from your authenticator app"),
    "login.verify": ("ログイン", "Log in"),
    "login.failed": (
        "ユーザー名またはパスワードが正しくありません。",
        "The username or password is not correct.",
    ),
    "login.totp_failed": (
        "確認コードが正しくありません。",
        "The verification code is not correct.",
    ),
    "login.locked": (
        "一時的にロックされています。しばらくしてからお試しください。",
        "Temporarily locked. Please try again later.",
    ),
    "login.expired": (
        "ログインの有効期限が切れました。もう一度お試しください。",
        "The login expired. Please start again.",
    ),
    "login.card_notice": (
        "救急QRカードを読み取りました。救急隊・医療者としてログインしてください。",
        "An emergency QR card was scanned. Log in as a responder or clinician.",
    ),
    # search
    "search.title": ("患者検索", "Find a patient"),
    "search.by_card": ("保険証の番号で検索", "By insurance card number"),
    "search.insurer": ("保険者番号", "Insurer number"),
    "search.symbol": ("記号", "Symbol (記号)"),
    "search.number": ("番号", "Number (番号)"),
    "search.branch": ("枝番", "Branch (枝番)"),
    "search.by_name": ("カナ氏名と生年月日で検索", "By kana name and birth date"),
    "search.kana": ("カナ氏名", "Name in kana"),
    "search.birth": ("生年月日", "Birth date"),
    "search.submit": ("検索", "Search"),
    "search.results": ("検索結果", "Results"),
    "search.none": ("該当する患者はいません。", "No patient matches."),
    "search.need": (
        "保険証の番号、またはカナ氏名と生年月日を入力してください。",
        "Enter the card number, or the kana name and the birth date.",
    ),
    "search.open": ("記録を開く", "Open record"),
    "search.not_allowed": (
        "この役割では患者検索はできません。",
        "Your role cannot look up patients.",
    ),
    # patient header
    "pt.name": ("氏名", "Name"),
    "pt.kana": ("カナ", "Kana"),
    "pt.sex": ("性別", "Sex"),
    "pt.birth": ("生年月日", "Birth date"),
    "pt.age": ("歳", "years"),
    "pt.insurance": ("保険", "Insurance"),
    "pt.address": ("住所", "Address"),
    "pt.phone": ("電話", "Phone"),
    "sex.male": ("男", "male"),
    "sex.female": ("女", "female"),
    "sex.other": ("その他", "other"),
    "sex.unknown": ("不明", "unknown"),
    # consent
    "consent.title": ("同意の状況", "Consent status"),
    "consent.capture": ("当院での同意を記録", "Record consent given at this facility"),
    "consent.state.active": ("同意あり (閲覧可)", "Consent given (may view)"),
    "consent.state.none": ("同意なし", "No consent"),
    "consent.state.revoked": ("同意は撤回されています", "Consent revoked"),
    "consent.state.expired": ("同意の期間が終了しています", "Consent expired"),
    "consent.state.not-yet": ("同意の開始前です", "Consent not yet in force"),
    "consent.state.facility-excluded": (
        "当院は閲覧から除外されています",
        "This facility is excluded",
    ),
    "consent.state.other-facility": (
        "他施設向けの同意のみ",
        "Consent covers other facilities only",
    ),
    "consent.scope": ("範囲", "Scope"),
    "consent.scope.facility": ("当院のみ", "This facility only"),
    "consent.scope.all": ("すべての医療機関・薬局", "Every facility and pharmacy"),
    "consent.scope.network": ("地域医療連携ネットワーク", "A regional network"),
    "consent.network": ("ネットワーク名", "Network"),
    "consent.start": ("開始日", "Start"),
    "consent.end": ("終了日 (任意)", "End (optional)"),
    "consent.excluded_categories": ("共有しない情報", "Information not to share"),
    "consent.excluded_facilities": (
        "閲覧させない施設 (医療機関コード、カンマ区切り)",
        "Facilities not allowed to view (facility codes, comma-separated)",
    ),
    "consent.submit": ("同意を記録する", "Record consent"),
    "consent.recorded": ("同意を記録しました。", "Consent recorded."),
    "consent.revoke": ("撤回する", "Revoke"),
    "consent.revoked_done": ("同意を撤回しました。", "Consent revoked."),
    "consent.list": ("登録されている同意", "Recorded consents"),
    "consent.status.active": ("有効", "active"),
    "consent.status.inactive": ("撤回済み", "revoked"),
    "consent.period": ("期間", "Period"),
    "consent.recorded_at": ("記録日時", "Recorded"),
    "consent.none_recorded": ("同意はまだ記録されていません。", "No consent recorded yet."),
    "consent.error": (
        "同意を記録できませんでした。入力を確認してください。",
        "The consent could not be recorded. Check the entries.",
    ),
    "consent.not_allowed": (
        "この役割では同意を記録できません。",
        "Your role cannot record consent.",
    ),
    "cat.psychiatric": ("精神疾患", "psychiatric"),
    "cat.hiv-sti": ("HIV・性感染症", "HIV and STIs"),
    "cat.genetic": ("遺伝情報", "genetic"),
    "cat.reproductive": ("生殖医療", "reproductive health"),
    "consent.hidden": (
        "ご本人の希望により表示していない情報があります",
        "Some information is withheld at the patient's request",
    ),
    # denied
    "denied.title": ("閲覧できません", "Not available"),
    "denied.text": (
        "この患者の記録を閲覧する同意がありません。ご本人の同意を記録するか、"
        "救急時は救急時閲覧を宣言してください。",
        "There is no consent to view this record. Record the patient's "
        "consent, or declare an emergency if life is at risk.",
    ),
    # summary
    "sum.title": ("初診時サマリー", "First-visit summary"),
    "sum.allergies": ("アレルギー・薬剤禁忌", "Allergies and drug contraindications"),
    "sum.no_allergies": ("登録されたアレルギーはありません。", "No allergy recorded."),
    "sum.problems": ("現在の病名", "Active problems"),
    "sum.no_problems": ("現在の病名の記録はありません。", "No active problem recorded."),
    "sum.main": ("主病名", "main"),
    "sum.meds": ("現在の服薬 (成分ごと)", "Current medication (by ingredient)"),
    "sum.meds_since": ("対象期間", "Period"),
    "sum.no_meds": (
        "最近3か月の処方・調剤はありません。",
        "No prescription or dispensing in the last 3 months.",
    ),
    "sum.ingredient": ("成分", "Ingredient"),
    "sum.products": ("薬剤", "Products"),
    "sum.dosage": ("用法", "Dosage"),
    "sum.prescriber": ("処方元", "Prescribed by"),
    "sum.dispenser": ("調剤", "Dispensed by"),
    "sum.date": ("日付", "Date"),
    "sum.days": ("日分", "days"),
    "sum.otc": ("市販薬", "OTC"),
    "sum.warnings": ("注意", "Warnings"),
    "warn.duplicate": ("成分重複", "Duplicate ingredient"),
    "warn.duplicate_text": (
        "同じ成分が複数の施設から処方されています",
        "The same ingredient is prescribed by more than one facility",
    ),
    "warn.interaction": ("併用注意・禁忌", "Interaction"),
    "warn.source": ("出典", "Source"),
    "sum.visits": ("受診歴 (施設・月別)", "Visits by facility and month"),
    "sum.no_visits": ("受診の記録はありません。", "No visit recorded."),
    "sum.facility": ("施設", "Facility"),
    "sum.last_visit": ("最終受診", "Last visit"),
    "sum.inpatient": ("入院あり", "admitted"),
    "sum.procedures": ("手術・麻酔・輸血歴", "Surgery, anaesthesia and transfusion"),
    "sum.no_procedures": (
        "手術・麻酔・輸血の記録はありません。",
        "No surgery, anaesthesia or transfusion recorded.",
    ),
    "proc.surgery": ("手術", "surgery"),
    "proc.anaesthesia": ("麻酔", "anaesthesia"),
    "proc.transfusion": ("輸血", "transfusion"),
    "proc.device": ("医療機器・インプラント", "device / implant"),
    "proc.dialysis": ("透析", "dialysis"),
    "sum.labs": ("検査結果の推移", "Lab results over time"),
    "sum.no_labs": ("検査結果はありません。", "No lab result."),
    "sum.latest": ("最新", "Latest"),
    "sum.range": ("基準値", "Reference"),
    "sum.trend": ("推移", "Trend"),
    "sum.checkups": ("健診結果 (年度別)", "Checkup results by year"),
    "sum.no_checkups": ("健診結果はありません。", "No checkup result."),
    "sum.item": ("項目", "Item"),
    "sum.documents": (
        "文書 (紹介状・退院時サマリー)",
        "Documents (referrals, discharge summaries)",
    ),
    "sum.no_documents": ("文書はありません。", "No document."),
    "sum.author": ("作成者", "Author"),
    "sum.freshness": ("データの鮮度", "How fresh each source is"),
    "sum.data_up_to": ("データの最新日", "Data up to"),
    "sum.source": ("情報源", "Source"),
    "sum.contents": ("目次", "Contents"),
    "kind.hospital": ("病院 (SS-MIX2)", "hospital (SS-MIX2)"),
    "kind.receipt": ("レセプト", "receipt"),
    "kind.notebook": ("お薬手帳", "medication notebook"),
    "kind.prescription": ("処方箋", "prescription"),
    "kind.checkup": ("健診", "checkup"),
    "kind.document": ("文書 (FHIR)", "document (FHIR)"),
    "kind.portal": ("ご本人・保護者の登録", "registered by patient or guardian"),
    "kind.pharmacy": ("薬局", "pharmacy"),
    "kind.other": ("その他", "other"),
    "allergy.medication": ("薬剤", "drug"),
    "allergy.side-effect": ("副作用歴", "adverse reaction"),
    "allergy.food": ("食物", "food"),
    "allergy.environment": ("環境", "environment"),
    "allergy.biologic": ("生物学的", "biologic"),
    "allergy.other": ("その他", "other"),
    "allergy.high": ("重篤", "high risk"),
    # emergency
    "em.declare_title": ("救急時閲覧の宣言", "Declare an emergency"),
    "em.declare_text": (
        "生命に関わり、本人の同意を得られない場合に限り閲覧できます。"
        "閲覧は記録され、ご本人に通知され、事後に審査されます。",
        "Only when life is at risk and consent cannot be obtained. The access "
        "is recorded, the patient is notified, and it is reviewed.",
    ),
    "em.reason": ("理由 (必須)", "Reason (required)"),
    "em.submit": ("宣言して閲覧する", "Declare and view"),
    "em.reason_needed": (
        "理由を入力してください (4文字以上)。",
        "Enter a reason (at least 4 characters).",
    ),
    "em.not_allowed": (
        "この役割では救急時閲覧はできません。",
        "Your role cannot declare an emergency.",
    ),
    "em.title": ("救急時情報", "Emergency information"),
    "em.banner": ("救急時閲覧中", "Emergency access"),
    "em.grant_until": ("閲覧期限", "Access until"),
    "em.meds": ("服薬中の薬", "Current medication"),
    "em.problems": ("主な病名", "Main diagnoses"),
    "em.procedures": ("手術歴・インプラント", "Surgery and implants"),
    "em.dialysis": ("透析", "Dialysis"),
    "em.no_dialysis": ("透析の記録なし", "No dialysis recorded"),
    "em.recent": ("最近の受診 (3か月)", "Recent visits (3 months)"),
    "em.last_facility": ("最終受診施設", "Last facility"),
    "em.contacts": ("連絡先", "Contacts"),
    "em.no_contacts": ("連絡先の登録なし", "No contact recorded"),
    "em.care": ("医療的ケア (保護者登録)", "Medical care (registered by guardian)"),
    "em.disaster": ("災害モード", "Disaster mode"),
    "em.card_reason": ("救急QRカード読取", "Emergency QR card scanned"),
    "em.none": ("記録なし", "None recorded"),
    # care info
    "care.title": (
        "医療的ケア児 救急時ケア情報の登録",
        "Emergency care information (child with medical-care needs)",
    ),
    "care.child": ("お子さま", "Child"),
    "care.devices": ("医療機器と設定", "Devices and settings"),
    "care.device_name": ("機器名", "Device"),
    "care.device_settings": ("設定", "Settings"),
    "care.device_size": ("サイズ (チューブ等)", "Size (tubes etc.)"),
    "care.vitals": ("平常時のバイタル", "Baseline vital signs"),
    "care.vital.heart_rate": ("心拍数", "Heart rate"),
    "care.vital.spo2": ("SpO2", "SpO2"),
    "care.vital.respiratory_rate": ("呼吸数", "Respiratory rate"),
    "care.vital.temperature": ("体温", "Temperature"),
    "care.vital.blood_pressure": ("血圧", "Blood pressure"),
    "care.vital.weight": ("体重", "Weight"),
    "care.seizure_plan": ("発作時の対応", "Seizure plan"),
    "care.care_notes": ("日常のケア・注意事項", "Daily care and precautions"),
    "care.contacts": ("緊急連絡先", "Emergency contacts"),
    "care.contact_name": ("氏名", "Name"),
    "care.contact_relationship": ("続柄・役割", "Relationship / role"),
    "care.contact_phone": ("電話番号", "Phone"),
    "care.submit": ("登録する", "Save"),
    "care.saved": ("ケア情報を登録しました。", "Care information saved."),
    "care.not_allowed": (
        "ケア情報を登録できるのは保護者です。",
        "Only a guardian can register care information.",
    ),
    "care.updated": ("最終更新", "Last updated"),
    # portal
    "portal.title": ("わたしの記録", "My record"),
    "portal.choose": ("表示する方", "Whose record"),
    "portal.log_title": ("閲覧履歴 (だれが・いつ・なぜ)", "Access log (who, when, why)"),
    "portal.log_none": ("閲覧の記録はまだありません。", "Nobody has viewed the record yet."),
    "portal.log_when": ("日時", "When"),
    "portal.log_who": ("だれが", "Who"),
    "portal.log_what": ("なにを", "What"),
    "portal.log_why": ("理由", "Why"),
    "portal.emergency": ("救急時閲覧", "Emergency access"),
    "portal.notifications": ("お知らせ", "Notifications"),
    "portal.consent_title": ("同意の管理", "Manage consent"),
    "portal.grant": ("同意する", "Give consent"),
    "portal.revoke_all": ("すべての同意を撤回", "Revoke all consent"),
    "card.title": ("救急QRカード", "Emergency QR card"),
    "card.text": (
        "救急隊・医療者が読み取ると、ログイン後にこの方の救急時情報を閲覧できます。"
        "閲覧は記録され、通知されます。",
        "A responder who scans it logs in and then sees this person's emergency "
        "information. The access is recorded and you are notified.",
    ),
    "card.valid_until": ("有効期限", "Valid until"),
    "card.invalid": ("このQRカードは無効か期限切れです。", "This QR card is invalid or expired."),
    "card.issue": ("新しいカードを発行", "Issue a new card"),
    # errors
    "error.title": ("エラー", "Error"),
    "error.not_found": ("見つかりません。", "Not found."),
    "error.forbidden": ("この操作はできません。", "This is not allowed."),
    "error.back": ("戻る", "Back"),
}


def translator(lang: str) -> Callable[[str], str]:
    index = 1 if lang == "en" else 0

    def t(key: str) -> str:
        entry = CATALOG.get(key)
        return entry[index] if entry else key

    return t


def pick_lang(query_lang: str | None, cookie_lang: str | None, accept: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG
