"""Every flow in a real browser (Debian chromium, headless) against a live Kizuna server.

The assertions read values from the source files the showcase wrote (names, products,
lab values, facilities), not counts only. Screenshots for docs/viewer.md are taken here.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect
from tests.viewer.browser import browser_page, browser_session, login, shot
from tests.viewer.conftest import Site, totp_now
from tests.viewer.showcase import (
    CLINIC,
    HOSPITAL,
    INSURER,
    NAMES,
    NUMBER,
    PHARMACY,
    SYMBOL,
)


def _capture_consent(page, site: Site) -> None:
    page.goto(f"{site.url}/viewer/patients/{site.show.patient_id}/consent")
    page.get_by_label("当院のみ").check()
    page.get_by_role("button", name="同意を記録する").click()
    page.wait_for_url(re.compile(r".*/viewer/patients/[^/]+\?consent=recorded"))


def test_clinician_login_search_consent_and_summary(site: Site, database_url: str) -> None:
    show = site.show
    with browser_page() as page:
        login(
            page,
            site.url,
            site.accounts["physician"],
            totp_now,
            database_url=database_url,
            screenshot=True,
        )
        expect(page.get_by_role("heading", name="患者検索")).to_be_visible()
        page.get_by_label("保険者番号").fill(INSURER)
        page.get_by_label("記号").fill(SYMBOL)
        page.get_by_label("番号", exact=True).fill(NUMBER)
        page.get_by_label("枝番").fill("1")
        page.get_by_role("button", name="検索").first.click()
        results = page.locator("#results")
        expect(results).to_contain_text("山田 太郎")
        expect(results).to_contain_text("1958-03-15")
        shot(page, "search", database_url)
        results.get_by_role("link", name=re.compile("記録を開く")).click()

        # no consent yet: nothing clinical is shown, the consent status is
        expect(page.locator("#denied")).to_be_visible()
        expect(page.locator("#consent-state")).to_have_text("同意なし")
        expect(page.locator("body")).not_to_contain_text("ペニシリン")
        page.get_by_role("link", name="当院での同意を記録").click()
        expect(page.get_by_role("heading", name="同意の状況")).to_be_visible()
        page.get_by_label("HIV・性感染症").check()
        shot(page, "consent", database_url)
        page.get_by_label("当院のみ").check()
        page.get_by_role("button", name="同意を記録する").click()
        page.wait_for_url(re.compile(r".*\?consent=recorded"))

        expect(page.locator("#consent-state")).to_have_text("同意あり (閲覧可)")
        expect(page.locator("#patient-name")).to_have_text("山田 太郎")
        # 1) allergies from the hospital (SS-MIX2 IAM) and the お薬手帳 (record 2)
        allergies = page.locator("#allergies")
        expect(allergies).to_contain_text("ペニシリン系抗菌薬")
        expect(allergies).to_contain_text(NAMES[HOSPITAL])
        expect(allergies).to_contain_text("造影剤")
        expect(allergies).to_contain_text("セフェム系（発疹）")
        # 2) problems with the diagnosing facility and month
        problems = page.locator("#problems")
        expect(problems).to_contain_text("2型糖尿病")
        expect(problems).to_contain_text(f"{NAMES[HOSPITAL]} · 2016-04")
        expect(problems).to_contain_text("脂質異常症")
        # 3) medication from the hospital, the clinic (receipts) and the pharmacy, by ingredient
        meds = page.locator("#medications")
        metformin = meds.locator("tr[data-ingredient='3962002']")
        expect(metformin).to_contain_text("メトホルミン塩酸塩２５０ｍｇＭＴ錠")
        expect(metformin).to_contain_text("メトホルミン塩酸塩５００ｍｇＭＴ錠")
        expect(metformin).to_contain_text(NAMES[HOSPITAL])
        expect(metformin).to_contain_text(NAMES[CLINIC])
        simvastatin = meds.locator("tr[data-ingredient='2189011']")
        expect(simvastatin).to_contain_text(f"{NAMES[CLINIC]} → {NAMES[PHARMACY]}")
        warnings = page.locator("#med-warnings")
        expect(warnings).to_contain_text("成分重複")
        expect(warnings.locator(".duplicate")).to_contain_text(NAMES[HOSPITAL])
        expect(warnings.locator(".duplicate")).to_contain_text(NAMES[CLINIC])
        expect(warnings.locator(".interaction")).to_contain_text(
            "イトラコナゾール × シンバスタチン"
        )
        expect(warnings.locator(".interaction")).to_contain_text("併用禁忌")
        # 6) labs: the latest HbA1c and eGFR written by the hospital, with a trend chart
        day, value = show.hba1c[-1]
        hba1c = page.locator("figure[data-series='jlac:3D046']")
        expect(hba1c).to_contain_text(f"{float(value):g} %")
        expect(hba1c).to_contain_text(day.isoformat())
        expect(hba1c.locator("svg.trend")).to_be_visible()
        egfr = page.locator("figure[data-series='jlac:8A065']")
        expect(egfr).to_contain_text(f"{float(show.egfr[-1][1]):g}")
        # 4) visits and 5) surgery from the receipts; 9) freshness per source
        expect(page.locator("#visits")).to_contain_text(NAMES[PHARMACY])
        expect(page.locator("#procedures")).to_contain_text("内視鏡的大腸ポリープ・粘膜切除術")
        expect(page.locator("#freshness")).to_contain_text(NAMES[CLINIC])
        shot(page, "summary", database_url)


def test_emergency_access_is_logged_for_the_patient(site: Site, database_url: str) -> None:
    pid = site.show.patient_id
    with browser_page() as page:
        login(page, site.url, site.accounts["emergency"], totp_now)
        page.goto(f"{site.url}/emergency/{pid}")  # no grant yet: sent to the declaration
        expect(page.get_by_role("heading", name="救急時閲覧の宣言")).to_be_visible()
        page.get_by_label("理由 (必須)").fill("交通事故で意識障害、本人確認は保険証による")
        page.get_by_role("button", name="宣言して閲覧する").click()
        page.wait_for_url(f"**/emergency/{pid}")
        expect(page.locator(".em-banner")).to_contain_text("救急時閲覧中")
        expect(page.locator("#patient-name")).to_have_text("山田 太郎")
        expect(page.locator("#allergies")).to_contain_text("ペニシリン系抗菌薬")
        expect(page.locator("#medications")).to_contain_text("イトリゾールカプセル５０")
        expect(page.locator("#last-facility")).to_contain_text(NAMES[CLINIC])
        shot(page, "emergency", database_url)
    with browser_page() as page:
        login(page, site.url, site.accounts["patient"], totp_now)
        page.get_by_role("link", name="閲覧履歴").click()
        row = page.locator("#access-log tr.emergency", has_text="交通事故").first
        expect(row).to_contain_text("救急時閲覧")
        expect(row).to_contain_text("交通事故で意識障害")
        expect(row).to_contain_text("救急隊")
        expect(page.locator("#notices")).to_contain_text("救急時閲覧を開始しました")
        shot(page, "access-log", database_url)


def test_revoked_consent_hides_the_data(site: Site, database_url: str) -> None:
    pid = site.show.patient_id
    with browser_session() as open_page:
        doctor = open_page()
        login(doctor, site.url, site.accounts["physician"], totp_now)
        _capture_consent(doctor, site)
        expect(doctor.locator("#allergies")).to_contain_text("ペニシリン系抗菌薬")
        patient = open_page()
        login(patient, site.url, site.accounts["patient"], totp_now)
        patient.get_by_role("link", name="同意の管理").click()
        expect(patient.locator("#consents")).to_contain_text("有効")
        shot(patient, "portal-consent", database_url)
        patient.get_by_role("button", name="すべての同意を撤回").click()
        expect(patient.get_by_role("status")).to_have_text("同意を撤回しました。")
        expect(patient.locator("#consents")).to_contain_text("撤回済み")
        doctor.goto(f"{site.url}/viewer/patients/{pid}")
        expect(doctor.locator("#denied")).to_be_visible()
        expect(doctor.locator("#consent-state")).to_have_text("同意は撤回されています")
        expect(doctor.locator("body")).not_to_contain_text("ペニシリン")
        expect(doctor.locator("body")).not_to_contain_text("メトホルミン")


def test_guardian_care_information_and_qr_card(site: Site, database_url: str) -> None:
    with browser_page() as page:
        login(page, site.url, site.accounts["guardian"], totp_now)
        page.get_by_role("link", name="ケア情報の登録").click()
        page.get_by_label("機器名 1").fill("在宅人工呼吸器")
        page.get_by_label("設定 1").fill("SIMV 換気回数20回/分 PEEP 5")
        page.get_by_label("機器名 2").fill("気管カニューレ")
        page.get_by_label("サイズ (チューブ等) 2").fill("内径4.0mm")
        page.get_by_label("SpO2").fill("92-96%")
        page.get_by_label("心拍数").fill("90-120/分")
        page.get_by_label("発作時の対応").fill("5分以上続く発作はダイアップ坐剤6mgを挿肛")
        page.get_by_label("氏名 1").fill("鈴木 美咲")
        page.get_by_label("続柄・役割 1").fill("母")
        page.get_by_label("電話番号 1").fill("090-1111-2222")
        shot(page, "care-info", database_url)
        page.get_by_role("button", name="登録する").click()
        expect(page.get_by_role("status")).to_have_text("ケア情報を登録しました。")
        expect(page.get_by_label("機器名 1")).to_have_value("在宅人工呼吸器")
        page.get_by_role("link", name="救急QRカード").click()
        expect(page.locator("#qr-card svg")).to_be_visible()
        shot(page, "qr-card", database_url)
        card_url = page.locator("#card-link").get_attribute("href")
    assert card_url and "/emergency/card/" in card_url
    with browser_page() as page:
        page.goto(card_url)  # a responder scans the card: log in first
        page.wait_for_url("**/login?next=**")
        expect(page.locator(".notice")).to_contain_text("救急QRカードを読み取りました")
        path = card_url.split("127.0.0.1", 1)[1].split("/", 1)[1]
        login(page, site.url, site.accounts["emergency"], totp_now, next_path=f"/{path}")
        page.wait_for_url(re.compile(r".*/emergency/[0-9a-f-]+$"))
        care = page.locator("#care-info")
        expect(care).to_contain_text("在宅人工呼吸器")
        expect(care).to_contain_text("内径4.0mm")
        expect(care).to_contain_text("92-96%")
        expect(page.locator("#seizure-plan")).to_have_text(
            "5分以上続く発作はダイアップ坐剤6mgを挿肛"
        )
        expect(page.locator("#contacts")).to_contain_text("090-1111-2222")
        expect(page.locator("#patient-name")).to_have_text("鈴木 ひなた")
        shot(page, "emergency-child", database_url)
    with site.db.read() as tx:
        reasons = [r[0] for r in tx.fetchall("SELECT reason FROM emergency_grants")]
    assert any("救急QRカード" in r for r in reasons)
