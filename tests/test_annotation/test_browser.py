"""The annotation page in a real browser: headless Chromium driven by Selenium.

Skipped (with the reason) when selenium, chromium or chromedriver is missing; `.ci/run` installs
the Debian chromium and chromium-driver packages so these run in CI.
"""
import shutil
import threading

import cv2
import numpy as np
import pytest

from .conftest import FLASK_MISSING, write_png

pytest.importorskip('flask', reason=FLASK_MISSING)
webdriver = pytest.importorskip('selenium.webdriver', reason='selenium is not installed')

from cdkd.annotation import create_app  # noqa: E402
CHROMIUM = next(filter(None, map(shutil.which, ('chromium', 'chromium-browser'))), None)
CHROMEDRIVER = shutil.which('chromedriver')
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason='headless browser tests need chromium and chromedriver '
           '(apt-get install chromium chromium-driver)')
CHROMIUM_FLAGS = ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic',
                  '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--window-size=1200,700',
                  '--force-device-scale-factor=1', '--disable-dev-shm-usage')


@pytest.fixture(scope='module')
def browser(tmp_path_factory):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    options = Options()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f'--user-data-dir={tmp_path_factory.mktemp("chromium-profile")}')
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def serve(app):
    """Run ``app`` on 127.0.0.1 on a free port in a thread; returns (url, server)."""
    from werkzeug.serving import make_server
    server = make_server('127.0.0.1', 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f'http://127.0.0.1:{server.server_port}/', server


def open_page(browser, app):
    from selenium.webdriver.support.ui import WebDriverWait
    url, server = serve(app)
    browser.get(url)
    wait_state(browser, 'ready')
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(
        'const a = window.cdkdAnnotator;'
        'return a.images.every(i => i.ready) && a.panels.every(p => p.transform !== null);'))
    return server


def wait_state(browser, state):
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 20).until(
        lambda d: d.find_element('id', 'status').get_attribute('data-state') in (state, 'error'))
    status = browser.find_element('id', 'status')
    assert status.get_attribute('data-state') == state, status.text


def click_image_point(browser, x, y):
    from selenium.webdriver.common.action_chains import ActionChains
    point = browser.execute_script(
        'return window.cdkdAnnotator.imageToClient(0, arguments[0], arguments[1]);', x, y)
    actions = ActionChains(browser)
    actions.w3c_actions.pointer_action.move_to_location(round(point['x']), round(point['y']))
    actions.w3c_actions.pointer_action.click()
    actions.perform()


def test_polygon_drawn_in_the_browser_is_saved_as_a_0_255_mask(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    root = tmp_path / 'root'
    rng = np.random.default_rng(1)
    for side in 'AB':
        write_png(root / side / 'scene.png', rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    server = open_page(browser, create_app(str(root)))
    try:
        polygon = [(8.0, 6.0), (56.0, 12.0), (44.0, 42.0), (12.0, 36.0)]
        for x, y in polygon:
            click_image_point(browser, x, y)
        ActionChains(browser).send_keys(Keys.ENTER).perform()
        wait_state(browser, 'dirty')
        browser.find_element('id', 'save').click()
        wait_state(browser, 'saved')
    finally:
        server.shutdown()

    mask = cv2.imread(str(root / 'label' / 'scene.png'), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (48, 64) and mask.dtype == np.uint8
    assert set(np.unique(mask)) == {0, 255}
    contour = np.array(polygon, np.float32).reshape(-1, 1, 2)
    distance = np.array([[cv2.pointPolygonTest(contour, (x + 0.5, y + 0.5), True)
                          for x in range(64)] for y in range(48)])
    # Clicks land on whole CSS pixels (about 0.1 image pixel here), and edge pixels are
    # anti-aliased then binarized; one pixel from the outline the answer is exact.
    assert (mask[distance > 1] == 255).all()
    assert (mask[distance < -1] == 0).all()
    area = cv2.contourArea(contour)
    assert abs((mask == 255).sum() - area) < 0.05 * area


def test_zoom_on_the_left_panel_moves_the_right_panel_the_same_way(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
    from selenium.webdriver.support.ui import WebDriverWait
    root = tmp_path / 'root'
    scene = np.zeros((96, 128, 3), np.uint8)
    scene[..., 0] = np.arange(128, dtype=np.uint8)[None] * 2
    scene[..., 1] = np.arange(96, dtype=np.uint8)[:, None] * 2
    cv2.circle(scene, (40, 50), 20, (255, 255, 255), -1)
    for side in 'AB':  # t1 == t2, so synchronized panels must show the same pixels
        write_png(root / side / 'same.png', scene)
    # A preview of 32 px forces full-resolution tiles of 32 px once zoomed in.
    server = open_page(browser, create_app(str(root), preview_max_side=32, tile_size=32))
    try:
        before = browser.execute_script('return window.cdkdAnnotator.panels[0].transform;')
        left = browser.find_element('css selector', '#panel-t1 canvas')
        ActionChains(browser).scroll_from_origin(ScrollOrigin.from_element(left, -60, 20),
                                                 0, -500).perform()
        WebDriverWait(browser, 10).until(lambda d: d.execute_script(
            'return window.cdkdAnnotator.panels[0].transform[0];') > 1.5 * before[0])
        WebDriverWait(browser, 10).until(lambda d: d.execute_script(
            'return performance.getEntriesByType("resource")'
            '.filter(e => e.name.includes("/tiles/")).length;') > 0)
        browser.execute_script('return new Promise(r => setTimeout(r, 500));')  # tiles drawn
        transforms = browser.execute_script(
            'return window.cdkdAnnotator.panels.map(p => p.transform);')
        shot_path = tmp_path / 'synchronized_view.png'
        assert browser.save_screenshot(str(shot_path))
        rects = browser.execute_script(
            'return [...document.querySelectorAll(".panel canvas")]'
            '.map(c => c.getBoundingClientRect().toJSON());')
    finally:
        server.shutdown()

    assert transforms[0] == transforms[1]
    assert transforms[0][0] > 1.5 * before[0]
    shot = cv2.imread(str(shot_path))
    assert shot is not None and shot.std() > 20  # not blank
    panels = [shot[int(r['top']) + 30:int(r['bottom']), int(r['left']):int(r['right'])]
              for r in rects]
    assert panels[0].shape == panels[1].shape
    assert panels[1].std() > 20
    assert np.abs(panels[0].astype(int) - panels[1].astype(int)).mean() < 2


def test_view_mode_shortcut_switches_to_swipe_and_blink(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    root = tmp_path / 'root'
    for side, value in (('A', 40), ('B', 200)):
        write_png(root / side / 'x.png', np.full((16, 16, 3), value, np.uint8))
    server = open_page(browser, create_app(str(root)))
    try:
        ActionChains(browser).send_keys('v').perform()
        assert browser.execute_script('return window.cdkdAnnotator.mode;') == 'swipe'
        assert not browser.find_element('id', 'panel-t2').is_displayed()
        ActionChains(browser).send_keys('v').perform()
        assert browser.execute_script('return window.cdkdAnnotator.mode;') == 'blink'
        ActionChains(browser).send_keys('v').perform()
        assert browser.find_element('id', 'panel-t2').is_displayed()
    finally:
        server.shutdown()


def mask_count(browser):
    return browser.execute_script(
        'return window.cdkdAnnotator.mask.binary().reduce((a, b) => a + b, 0);')


def press(browser, key, ctrl=False):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    actions = ActionChains(browser)
    if ctrl:
        actions.key_down(Keys.CONTROL).send_keys(key).key_up(Keys.CONTROL)
    else:
        actions.send_keys(key)
    actions.perform()


def test_brush_eraser_fill_undo_redo_and_navigation(browser, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait
    root = tmp_path / 'root'
    for name in ('a.png', 'b.png'):
        for side in 'AB':
            write_png(root / side / name, np.full((40, 50, 3), 90, np.uint8))
    server = open_page(browser, create_app(str(root)))
    try:
        press(browser, 'b')
        browser.execute_script('window.cdkdAnnotator.setBrushRadius(3);')
        click_image_point(browser, 20.5, 20.5)
        painted = mask_count(browser)
        assert abs(painted - np.pi * 9) < 8
        press(browser, 'e')
        browser.execute_script('window.cdkdAnnotator.setBrushRadius(5);')
        click_image_point(browser, 20.5, 20.5)
        assert mask_count(browser) == 0
        press(browser, 'f')
        click_image_point(browser, 3, 3)
        assert mask_count(browser) == 40 * 50
        press(browser, 'z', ctrl=True)
        assert mask_count(browser) == 0
        press(browser, 'z', ctrl=True)
        assert mask_count(browser) == painted
        press(browser, 'y', ctrl=True)
        press(browser, 'y', ctrl=True)
        assert mask_count(browser) == 40 * 50
        press(browser, '1')  # pair label: change
        WebDriverWait(browser, 10).until(lambda d: (root / 'image_labels.json').exists())
        press(browser, '\ue014')  # ArrowRight: saves the edited mask, opens b.png
        WebDriverWait(browser, 10).until(
            lambda d: d.find_element('id', 'pair-name').text == 'b.png')
        wait_state(browser, 'ready')
    finally:
        server.shutdown()
    assert (cv2.imread(str(root / 'label' / 'a.png'), cv2.IMREAD_UNCHANGED) == 255).all()
    assert not (root / 'label' / 'b.png').exists()
    assert '"a.png": "change"' in (root / 'image_labels.json').read_text()
    reopened = create_app(str(root)).test_client()
    assert reopened.get('/api/pairs').get_json()['last_index'] == 1


def test_ai_proposal_is_thresholded_in_the_browser_and_accepted(browser, tmp_path):
    from cdkd.annotation.preannotation import probability_to_uint8

    class FixedProbability:
        """Stands in for PreAnnotator: a known probability ramp (the model path is tested in
        test_preannotation.py)."""

        def probability(self, path_t1, path_t2, size=None):
            return np.tile(np.linspace(0, 1, size[1], dtype=np.float32), (size[0], 1))

    root = tmp_path / 'root'
    for side in 'AB':
        write_png(root / side / 'p.png', np.full((20, 64, 3), 128, np.uint8))
    server = open_page(browser, create_app(str(root), preannotator=FixedProbability()))
    try:
        press(browser, 'i')
        wait_state(browser, 'ready')
        browser.execute_script(
            'const s = document.getElementById("threshold"); s.value = 70;'
            's.dispatchEvent(new Event("input"));')
        press(browser, 'u')
        wait_state(browser, 'dirty')
        press(browser, 's', ctrl=True)
        wait_state(browser, 'saved')
    finally:
        server.shutdown()
    mask = cv2.imread(str(root / 'label' / 'p.png'), cv2.IMREAD_UNCHANGED)
    prob = probability_to_uint8(FixedProbability().probability(None, None, (20, 64)))
    cut = np.floor(0.7 * 255 + 0.5)  # JavaScript's Math.round (Python's round(178.5) is 178)
    assert (prob == 178).any() and cut == 179
    np.testing.assert_array_equal(mask, np.where(prob >= cut, 255, 0))
